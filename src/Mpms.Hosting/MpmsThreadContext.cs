namespace Mpms.Hosting;

/// <summary>Describes the worker thread that a thread initializer, thread finalizer or job runs on.</summary>
public sealed class MpmsThreadContext
{
    internal MpmsThreadContext(MpmsProcessContext process, int threadNumber, IServiceProvider services)
    {
        Process = process;
        ThreadNumber = threadNumber;
        ThreadName = MpmsNames.Thread(process.ProcessName, threadNumber);
        Services = services;
    }

    /// <summary>Gets the process the thread belongs to.</summary>
    public MpmsProcessContext Process { get; }

    /// <summary>Gets the thread's number in its process, from 1 to <see cref="MpmsOptions.ThreadsPerProcess"/>.</summary>
    public int ThreadNumber { get; }

    /// <summary>Gets the thread's name, <c>mpms-&lt;pool&gt;-p&lt;n&gt;#t&lt;i&gt;</c>, also its <see cref="Thread.Name"/>.</summary>
    public string ThreadName { get; }

    /// <summary>Gets the thread's DI scope: scoped services resolved here are this thread's own.</summary>
    public IServiceProvider Services { get; }

    /// <inheritdoc />
    public override string ToString() => ThreadName;
}
