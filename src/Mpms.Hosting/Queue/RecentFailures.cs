namespace Mpms.Hosting.Queue;

/// <summary>
/// The latest failed outcomes of a pool (failed, timed out, worker lost), for its dashboard: a ring of fixed size,
/// written only when a job fails, so a pool whose jobs succeed pays nothing for it.
/// </summary>
internal sealed class RecentFailures
{
    /// <summary>How many failures are kept: enough to see a pattern, few enough that stack traces stay a small cost.</summary>
    public const int Capacity = 50;

    private readonly Lock _lock = new();

    // The ring: _next is where the next failure goes; _count says how many slots hold one.
    private readonly MpmsRecentFailure[] _ring = new MpmsRecentFailure[Capacity];
    private int _next;
    private int _count;

    /// <summary>Keeps a failed outcome, forgetting the oldest when the ring is full.</summary>
    public void Add(string jobId, int attempt, MpmsJobStatus status, Exception exception, int? processId, string? threadName, DateTimeOffset failedAt)
    {
        var failure = new MpmsRecentFailure
        {
            JobId = jobId,
            Status = status,
            Attempt = attempt,

            // A worker's exception is the worker's: its own type and its stack trace in the worker process, not where
            // the application rethrew it.
            ExceptionType = exception is MpmsWorkerException remote ? remote.RemoteType : exception.GetType().FullName ?? exception.GetType().Name,
            Message = exception.Message,
            StackTrace = exception is MpmsWorkerException worker ? worker.RemoteDetails ?? worker.RemoteStackTrace : exception.StackTrace,
            ProcessId = processId,
            ThreadName = threadName,
            FailedAt = failedAt,
        };
        lock (_lock)
        {
            _ring[_next] = failure;
            _next = (_next + 1) % Capacity;
            _count = Math.Min(_count + 1, Capacity);
        }
    }

    /// <summary>The failures kept, newest first.</summary>
    public MpmsRecentFailure[] Newest()
    {
        lock (_lock)
        {
            var newest = new MpmsRecentFailure[_count];
            for (int i = 0; i < _count; i++)
            {
                newest[i] = _ring[(_next - 1 - i + Capacity) % Capacity];
            }

            return newest;
        }
    }
}
