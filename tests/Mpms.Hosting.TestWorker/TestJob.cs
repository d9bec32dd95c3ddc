using Mpms.Hosting;

namespace Mpms.Hosting.TestWorker;

/// <summary>What the test worker is asked to do; see <see cref="TestWorker"/> for the operations.</summary>
public sealed record TestJob(string Op, int Value = 0, int DelayMs = 0, string? Path = null) : IMpmsJob<TestResult>;

/// <summary>What the test worker reports as progress (ops <c>progress</c> and <c>progress-steps</c>): step <see cref="Step"/> of <see cref="Of"/>.</summary>
public sealed record TestProgress(int Step, int Of);

/// <summary>What the test worker returns: the value and where and how it ran.</summary>
public sealed record TestResult
{
    public int Value { get; init; }

    public int ProcessId { get; init; }

    public string? ThreadName { get; init; }

    public int ManagedThreadId { get; init; }

    /// <summary>The managed thread id after an await inside the job.</summary>
    public int ManagedThreadIdAfterAwait { get; init; }

    /// <summary>The managed thread id on which this thread's initializer ran.</summary>
    public int ThreadInitializerThreadId { get; init; }

    /// <summary>The number of the thread resource the thread initializer created (one per thread).</summary>
    public int ThreadResourceId { get; init; }

    /// <summary>The process id the process initializer recorded.</summary>
    public int ProcessInitializerProcessId { get; init; }

    public string? JobId { get; init; }

    public int Attempt { get; init; }

    /// <summary>Anything; a test puts an unserialisable value here to break result serialisation.</summary>
    public object? Extra { get; init; }
}
