namespace Mpms.Hosting.Supervision;

/// <summary>
/// The processes a pool has (started and not yet reported exited, in the order they were started), their runs until
/// seen completed, and the ids of every operating-system process ever started. Not thread-safe: the supervisor's lock
/// guards it, so that what the pool decides and what it reports agree; only <see cref="Published"/> may be read
/// without it.
/// </summary>
internal sealed class ProcessRoster
{
    private readonly List<ProcessRunner> _children = [];

    // The stop awaits every run, also of a process just removed.
    private readonly List<Task> _runs = [];
    private readonly List<int> _startedProcessIds = [];

    // A copy of the processes, replaced as they change, for readers that must not take the supervisor's lock.
    private ProcessRunner[] _published = [];

    /// <summary>Gets the processes, in the order they were started.</summary>
    public List<ProcessRunner> Children => _children;

    /// <summary>Gets the number of processes, leaving ones and spares included.</summary>
    public int Count => _children.Count;

    /// <summary>Gets the processes as of their last change, without the supervisor's lock (the array is never changed).</summary>
    public ProcessRunner[] Published => Volatile.Read(ref _published);

    /// <summary>Gets the ids of every operating-system process started, in order.</summary>
    public int[] StartedProcessIds => [.. _startedProcessIds];

    /// <summary>Adds a process and starts its run.</summary>
    public void Add(ProcessRunner runner)
    {
        if (!runner.Process.IsInApplication)
        {
            _startedProcessIds.Add(runner.Process.ProcessId);
        }

        _children.Add(runner);
        _runs.RemoveAll(static run => run.IsCompleted);
        _runs.Add(runner.Start());
        Volatile.Write(ref _published, Copy());
    }

    /// <summary>Removes a process that exited.</summary>
    public bool Remove(ProcessRunner runner)
    {
        bool removed = _children.Remove(runner);
        Volatile.Write(ref _published, Copy());
        return removed;
    }

    /// <summary>Copies the processes, to act on them outside the lock.</summary>
    public ProcessRunner[] Copy() => [.. _children];

    /// <summary>Copies the runs not seen completed, for the stop to await.</summary>
    public Task[] Runs() => [.. _runs];

    /// <summary>Counts the processes initialised and taking jobs (warm spares are not).</summary>
    public int CountReady() => _children.Count(static c => c.Lifecycle.State == WorkerProcessState.Ready && !c.Lifecycle.IsSpare);

    /// <summary>Counts the processes connecting or running their process initializers.</summary>
    public int CountStarting() => _children.Count(static c => c.Lifecycle.State == WorkerProcessState.Starting);

    /// <summary>Counts the processes that serve and are not leaving.</summary>
    public int CountServing() => _children.Count(static c => c.Lifecycle.IsActive && !c.Lifecycle.IsSpare);

    /// <summary>Counts the warm spares not leaving, ready or still starting.</summary>
    public int CountSpares() => _children.Count(static c => c.Lifecycle.IsActive && c.Lifecycle.IsSpare);

    /// <summary>Counts the warm spares ready to serve.</summary>
    public int CountSparesReady() => _children.Count(static c => c.Lifecycle.IsSpare && c.Lifecycle.State == WorkerProcessState.Ready);
}
