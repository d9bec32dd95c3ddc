namespace Mpms.Hosting;

/// <summary>Describes one run of one job: which task it is, which attempt, and where it runs.</summary>
public sealed class MpmsTaskContext
{
    private readonly long _idHigh;
    private readonly long _sequence;
    private string? _taskId;

    internal MpmsTaskContext(long idHigh, long sequence, int attempt, MpmsThreadContext thread)
    {
        _idHigh = idHigh;
        _sequence = sequence;
        Attempt = attempt;
        Thread = thread;
    }

    /// <summary>Gets the task's id, the same as on its handle and its result.</summary>
    public string TaskId => _taskId ??= Queue.TaskIds.Format(_idHigh, _sequence);

    /// <summary>Gets the attempt number, 1 for the first run; higher when the job is retried after its process was lost.</summary>
    public int Attempt { get; }

    /// <summary>Gets when the job was accepted by the queue (to the millisecond).</summary>
    public DateTimeOffset EnqueuedAt => Queue.TaskIds.AcceptedAt(_idHigh);

    /// <summary>Gets the worker thread that runs the job.</summary>
    public MpmsThreadContext Thread { get; }

    /// <summary>Gets the worker process that runs the job.</summary>
    public MpmsProcessContext Process => Thread.Process;
}
