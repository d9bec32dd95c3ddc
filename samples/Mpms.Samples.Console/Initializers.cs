using Microsoft.Extensions.Options;
using Mpms.Hosting;

namespace Mpms.Samples.Console;

/// <summary>The process initializer's settings: the seed's <c>process_initargs=({'db_host': 'localhost'},)</c>.</summary>
public sealed class DbOptions
{
    public string DbHost { get; set; } = "";
}

/// <summary>The thread initializer's settings: the seed's <c>thread_initargs=('Worker',)</c>.</summary>
public sealed class ThreadGreetingOptions
{
    public string Name { get; set; } = "";
}

/// <summary>Runs once in every worker process, before it takes a job.</summary>
public sealed class ProcessInit(IOptions<DbOptions> options) : IProcessInitializer
{
    public ValueTask InitializeAsync(MpmsProcessContext context, CancellationToken cancellationToken)
    {
        System.Console.WriteLine($"Process {context.ProcessId} ({context.ProcessName}) initialized with config: {{ DbHost = {options.Value.DbHost} }}");
        return ValueTask.CompletedTask;
    }
}

/// <summary>Runs once on every worker thread, on that thread, before it takes a job.</summary>
public sealed class ThreadInit(IOptions<ThreadGreetingOptions> options) : IThreadInitializer
{
    public ValueTask InitializeAsync(MpmsThreadContext context, CancellationToken cancellationToken)
    {
        System.Console.WriteLine($"Thread {Thread.CurrentThread.Name} (process {context.Process.ProcessId}) initialized with name: {options.Value.Name}");
        return ValueTask.CompletedTask;
    }
}
