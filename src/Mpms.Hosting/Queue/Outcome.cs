namespace Mpms.Hosting.Queue;

/// <summary>The one outcome of a job: its final status, the value or why there is none, and where and when it ran.</summary>
internal readonly record struct Outcome<TResult>(
    MpmsJobStatus Status,
    TResult? Value,
    Exception? Exception,
    DateTimeOffset? StartedAt = null,
    int? ProcessId = null,
    string? ThreadName = null,
    DateTimeOffset? FinishedAt = null)
{
    public static Outcome<TResult> Canceled(string message, CancellationToken token = default) =>
        new(MpmsJobStatus.Canceled, default, new OperationCanceledException(message, token));

    public static Outcome<TResult> PoolFailed(string reason) =>
        new(MpmsJobStatus.Failed, default, new MpmsPoolFailedException(reason));
}
