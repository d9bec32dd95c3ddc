using Microsoft.Extensions.Options;
using Mpms.Hosting;

namespace Mpms.Hosting.TestWorker;

/// <summary>How the test worker's initializers and finalizers behave, from configuration (section <c>TestWorker</c>).</summary>
public sealed class TestBehaviour
{
    /// <summary>A file the worker appends its events to.</summary>
    public string? EventLog { get; set; }

    /// <summary>The process initializer throws.</summary>
    public bool FailProcessInit { get; set; }

    /// <summary>The process initializer throws unless this file exists.</summary>
    public string? FailProcessInitUnlessFileExists { get; set; }

    /// <summary>The process initializer of this process number throws.</summary>
    public int FailProcessInitOfProcess { get; set; }

    /// <summary>The thread initializer of this thread number throws.</summary>
    public int FailThreadInitOfThread { get; set; }

    /// <summary>The worker's constructor throws on the thread of this number.</summary>
    public int FailWorkerConstructionOnThread { get; set; }

    public bool FailThreadFinalizer { get; set; }

    public bool FailProcessFinalizer { get; set; }

    /// <summary>The process finalizer returns only once this file exists (it keeps a leaving process, and its link, alive).</summary>
    public string? ProcessFinalizerWaitsForFile { get; set; }

    /// <summary>What <see cref="WorkerHostedService"/> does: nothing (unset), <c>record</c>, or <c>fail</c>.</summary>
    public string? HostedService { get; set; }
}

/// <summary>The process-wide resource the process initializer sets up.</summary>
public static class ProcessResource
{
    public static int InitializedInProcess { get; set; }
}

/// <summary>A per-thread resource: scoped, so one per worker thread.</summary>
public sealed class ThreadResource
{
    private static int s_next;

    public int Id { get; } = Interlocked.Increment(ref s_next);

    public int InitializedOnThread { get; set; }

    /// <summary>Gets or sets the number of the worker thread it belongs to, which its thread initializer sets.</summary>
    public int ThreadNumber { get; set; }
}

public sealed class RecordingProcessInitializer(IOptions<TestBehaviour> behaviour, EventLog events) : IProcessInitializer
{
    public ValueTask InitializeAsync(MpmsProcessContext context, CancellationToken cancellationToken)
    {
        TestBehaviour b = behaviour.Value;
        events.Write("process-init", context.ProcessName);
        if (b.FailProcessInit
            || (b.FailProcessInitUnlessFileExists is { } file && !File.Exists(file))
            || b.FailProcessInitOfProcess == context.ProcessNumber)
        {
            throw new InvalidOperationException($"process initializer fails in {context.ProcessName}");
        }

        ProcessResource.InitializedInProcess = Environment.ProcessId;
        return ValueTask.CompletedTask;
    }
}

public sealed class RecordingThreadInitializer(IOptions<TestBehaviour> behaviour, ThreadResource resource, EventLog events) : IThreadInitializer
{
    public async ValueTask InitializeAsync(MpmsThreadContext context, CancellationToken cancellationToken)
    {
        await Task.Yield();
        events.Write("thread-init", context.ThreadName);
        if (behaviour.Value.FailThreadInitOfThread == context.ThreadNumber)
        {
            throw new InvalidOperationException($"thread initializer fails on {context.ThreadName}");
        }

        resource.InitializedOnThread = Environment.CurrentManagedThreadId;
        resource.ThreadNumber = context.ThreadNumber;
    }
}

public sealed class RecordingThreadFinalizer(IOptions<TestBehaviour> behaviour, EventLog events) : IThreadFinalizer
{
    public ValueTask FinalizeAsync(MpmsThreadContext context, CancellationToken cancellationToken)
    {
        events.Write("thread-fin", context.ThreadName);
        return behaviour.Value.FailThreadFinalizer
            ? throw new InvalidOperationException($"thread finalizer fails on {context.ThreadName}")
            : ValueTask.CompletedTask;
    }
}

public sealed class RecordingProcessFinalizer(IOptions<TestBehaviour> behaviour, EventLog events) : IProcessFinalizer
{
    public ValueTask FinalizeAsync(MpmsProcessContext context, CancellationToken cancellationToken)
    {
        events.Write("process-fin", context.ProcessName);
        if (behaviour.Value.ProcessFinalizerWaitsForFile is { } file)
        {
            return WaitForFileAsync(file);
        }

        return behaviour.Value.FailProcessFinalizer
            ? throw new InvalidOperationException($"process finalizer fails in {context.ProcessName}")
            : ValueTask.CompletedTask;
    }

    private static async ValueTask WaitForFileAsync(string file)
    {
        while (!File.Exists(file))
        {
            await Task.Delay(10);
        }
    }
}

/// <summary>The options of <see cref="SecondProcessInitializer"/>: its own arguments, the way <c>process_initargs</c> are.</summary>
public sealed class SecondInitializerOptions
{
    /// <summary>What the initializer writes in its event; when it is not set, the initializer does nothing.</summary>
    public string? Tag { get; set; }
}

/// <summary>A process initializer registered after <see cref="RecordingProcessInitializer"/>, to show the order they run in.</summary>
public sealed class SecondProcessInitializer(IOptions<SecondInitializerOptions> options, EventLog events) : IProcessInitializer
{
    public ValueTask InitializeAsync(MpmsProcessContext context, CancellationToken cancellationToken)
    {
        if (options.Value.Tag is { } tag)
        {
            events.Write("process-init-2", tag);
        }

        return ValueTask.CompletedTask;
    }
}
