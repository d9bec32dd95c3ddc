using System.Buffers;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;

namespace Mpms.Hosting.Queue;

/// <summary>
/// Turns what a worker process reported, or what happened to it, into a job's outcome: the result read back as
/// <typeparamref name="TResult"/>, or the exception that says why there is none.
/// </summary>
internal sealed class OutcomeMapper<TResult>(IMpmsSerializer serializer)
{
    /// <summary>Gets the pool's serializer, which also reads the progress jobs report.</summary>
    public IMpmsSerializer Serializer => serializer;

    /// <summary>The outcome a result frame reports.</summary>
    /// <param name="result">The result frame.</param>
    /// <param name="job">The job it is the result of: its id names it in an error (made only then: it costs an allocation).</param>
    /// <param name="processId">The process that ran it.</param>
    /// <param name="threadName">The thread that ran it.</param>
    /// <param name="callerToken">The token to report when the job ended canceled.</param>
    public Outcome<TResult> FromResult(in ResultFrame result, IJobLease job, int processId, string? threadName, CancellationToken callerToken)
    {
        DateTimeOffset? startedAt = result.StartedTicks > 0 ? new DateTimeOffset(result.StartedTicks, TimeSpan.Zero) : null;
        DateTimeOffset? finishedAt = result.FinishedTicks > 0 ? new DateTimeOffset(result.FinishedTicks, TimeSpan.Zero) : null;
        (MpmsJobStatus status, TResult? value, Exception? exception) = result.Status switch
        {
            WireStatus.Succeeded => Read(result.Payload, job),
            WireStatus.Failed => (MpmsJobStatus.Failed, default, ToException(result.Error!, job.Attempt)),
            WireStatus.TimedOut => (MpmsJobStatus.TimedOut, default, new MpmsJobTimeoutException(result.Error!.Message)),
            _ => (MpmsJobStatus.Canceled, default(TResult), (Exception)new OperationCanceledException(result.Error?.Message ?? "The job was canceled.", callerToken)),
        };
        return new Outcome<TResult>(status, value, exception, startedAt, processId, threadName, finishedAt);
    }

    /// <summary>The outcome of a job the application gave up on: it ran past its time and its process was killed.</summary>
    public static Outcome<TResult> TimedOut(TimeSpan ranFor, string processName, int processId) => new(
        MpmsJobStatus.TimedOut,
        default,
        new MpmsJobTimeoutException($"The job ran for {ranFor.TotalSeconds:0.#} s without finishing, past JobTimeout; its process {processName} was killed."),
        ProcessId: processId);

    /// <summary>The outcome of a job whose process died under it: where and since when it ran, as far as the process said.</summary>
    public static Outcome<TResult> Lost(WorkerLoss loss, LastSeenRunning? lastSeen = null) => new(
        MpmsJobStatus.WorkerLost,
        default,
        new MpmsWorkerLostException(loss.ProcessName, loss.ProcessId, loss.Reason, loss.ExitCode, loss.Signal),
        StartedAt: lastSeen?.StartedAt,
        ProcessId: loss.ProcessId,
        ThreadName: lastSeen?.ThreadName);

    private (MpmsJobStatus, TResult?, Exception?) Read(in ReadOnlySequence<byte> payload, IJobLease job)
    {
        try
        {
            return (MpmsJobStatus.Succeeded, Deserialize(payload), null);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return (MpmsJobStatus.Failed, default, new MpmsSerializationException(
                $"The result of job {job.JobId} cannot be read as '{typeof(TResult).FullName}': {ex.Message}", ex));
        }
    }

    private static Exception ToException(WireError error, int attempt) => error.Type switch
    {
        // The worker reports a result it could not serialise under this type name; keep it recognisable.
        "Mpms.Hosting.MpmsSerializationException" => new MpmsSerializationException(error.Message),
        _ => new MpmsWorkerException(error.Type, error.Message, error.StackTrace, error.Details) { Attempt = attempt },
    };

    private TResult Deserialize(in ReadOnlySequence<byte> payload)
    {
        if (payload.IsSingleSegment)
        {
            return serializer.Deserialize<TResult>(payload.FirstSpan);
        }

        byte[] rented = ArrayPool<byte>.Shared.Rent((int)payload.Length);
        try
        {
            payload.CopyTo(rented);
            return serializer.Deserialize<TResult>(rented.AsSpan(0, (int)payload.Length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
