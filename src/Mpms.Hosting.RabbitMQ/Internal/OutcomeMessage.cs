using System.Buffers;
using Mpms.Hosting.Dispatch;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Queue;
using RabbitMQ.Client;

namespace Mpms.Hosting.RabbitMQ.Internal;

/// <summary>
/// A job's outcome as it travels from the host that ran it to the host that put it: what the worker reported (the
/// result frame of the link, as it is), a timeout, or a loss. The job id is the correlation id.
/// </summary>
internal static class OutcomeMessage
{
    private const string KindResult = "result";
    private const string KindTimeout = "timeout";
    private const string KindLost = "lost";
    private const string KindProgress = "progress";
    private const string KindRetrying = "retrying";

    // A notice no host takes within this long (its host is gone) is worth nothing: it expires instead of piling up.
    private const string NoticeExpiration = "60000";

    /// <summary>A result the worker process reported; the frame is read here, while it is valid.</summary>
    public static (BasicProperties Properties, byte[] Body) Result(string jobId, in ResultFrame result, int processId, string? threadName)
    {
        var buffer = new ArrayBufferWriter<byte>();
        result.WriteTo(buffer);
        BasicProperties properties = Properties(jobId, KindResult);
        properties.Headers![Headers.ProcessId] = processId;
        if (threadName is not null)
        {
            properties.Headers[Headers.ThreadName] = threadName;
        }

        return (properties, buffer.WrittenSpan[FrameHeader.Size..].ToArray());
    }

    /// <summary>A job that ran past its time; its process was killed.</summary>
    public static (BasicProperties Properties, byte[] Body) TimedOut(string jobId, TimeSpan ranFor, string processName, int processId)
    {
        BasicProperties properties = Properties(jobId, KindTimeout);
        properties.Headers![Headers.RanForMs] = (long)ranFor.TotalMilliseconds;
        properties.Headers[Headers.ProcessName] = processName;
        properties.Headers[Headers.ProcessId] = processId;
        return (properties, []);
    }

    /// <summary>A job given up on: its process or its host died while it may have run.</summary>
    public static (BasicProperties Properties, byte[] Body) Lost(string jobId, WorkerLoss loss, LastSeenRunning? lastSeen)
    {
        BasicProperties properties = Properties(jobId, KindLost);
        IDictionary<string, object?> headers = properties.Headers!;
        headers[Headers.ProcessName] = loss.ProcessName;
        headers[Headers.ProcessId] = loss.ProcessId;
        headers[Headers.ExitReason] = (int)loss.Reason;
        if (loss.ExitCode is { } exitCode)
        {
            headers[Headers.ExitCode] = exitCode;
        }

        if (loss.Signal is { } signal)
        {
            headers[Headers.Signal] = signal;
        }

        if (lastSeen is { } seen)
        {
            headers[Headers.ThreadName] = seen.ThreadName;
            headers[Headers.StartedAt] = seen.StartedAt.UtcTicks;
        }

        return (properties, []);
    }

    /// <summary>The latest progress of a running job: the value as its worker serialised it.</summary>
    public static (BasicProperties Properties, byte[] Body) Progress(string jobId, byte[] value)
    {
        BasicProperties properties = Notice(jobId, KindProgress);
        return (properties, value);
    }

    /// <summary>A run of the job threw, and the job is back on the broker as <paramref name="attempt"/>, due at <paramref name="readyAt"/>.</summary>
    public static (BasicProperties Properties, byte[] Body) Retrying(string jobId, int attempt, DateTimeOffset readyAt)
    {
        BasicProperties properties = Notice(jobId, KindRetrying);
        properties.Headers![Headers.Attempt] = attempt;
        properties.Headers[Headers.ReadyAt] = readyAt.UtcTicks;
        return (properties, []);
    }

    /// <summary>Whether the message is a notice about a job that goes on (progress, a retry), not its outcome.</summary>
    public static bool IsNotice(IReadOnlyBasicProperties properties) => KindOf(properties) is KindProgress or KindRetrying;

    /// <summary>Whether the notice is a job's progress (otherwise: its retry).</summary>
    public static bool IsProgress(IReadOnlyBasicProperties properties) => KindOf(properties) == KindProgress;

    /// <summary>Reads a retry notice: the attempt that comes, and when.</summary>
    public static (int Attempt, DateTimeOffset ReadyAt) ReadRetrying(IReadOnlyBasicProperties properties) => (
        (int)(Headers.Long(properties.Headers, Headers.Attempt) ?? 2),
        new DateTimeOffset(Headers.Long(properties.Headers, Headers.ReadyAt) ?? 0, TimeSpan.Zero));

    /// <summary>The kind of an outcome message, for logs.</summary>
    public static string KindOf(IReadOnlyBasicProperties properties) => Headers.Text(properties.Headers, Headers.Kind) ?? "unknown";

    /// <summary>Gives the job put here the outcome the message carries.</summary>
    public static void Apply<TJob, TResult>(PendingJob<TJob, TResult> job, JobQueue<TJob, TResult> jobs, IReadOnlyBasicProperties properties, ReadOnlyMemory<byte> body)
    {
        IDictionary<string, object?>? headers = properties.Headers;
        int processId = (int)(Headers.Long(headers, Headers.ProcessId) ?? 0);

        // The attempt the outcome ends, counted where the job ran (older hosts do not say: the put's count stays).
        if (Headers.Long(headers, Headers.Attempt) is { } attempt)
        {
            job.Attempt = (int)attempt;
        }

        switch (KindOf(properties))
        {
            case KindResult:
                job.Complete(ResultFrame.Read(new ReadOnlySequence<byte>(body)), processId, Headers.Text(headers, Headers.ThreadName));
                break;
            case KindTimeout:
                job.TimeOut(TimeSpan.FromMilliseconds(Headers.Long(headers, Headers.RanForMs) ?? 0), Headers.Text(headers, Headers.ProcessName) ?? "?", processId);
                break;
            default:
                var loss = new WorkerLoss(
                    Headers.Text(headers, Headers.ProcessName) ?? "?",
                    processId,
                    (MpmsProcessExitReason)(Headers.Long(headers, Headers.ExitReason) ?? (long)MpmsProcessExitReason.LinkLost),
                    (int?)Headers.Long(headers, Headers.ExitCode),
                    (int?)Headers.Long(headers, Headers.Signal));
                LastSeenRunning? lastSeen = Headers.Text(headers, Headers.ThreadName) is { } thread && Headers.Long(headers, Headers.StartedAt) is { } ticks
                    ? new LastSeenRunning(thread, new DateTimeOffset(ticks, TimeSpan.Zero))
                    : null;
                jobs.Finish(job, OutcomeMapper<TResult>.Lost(loss, lastSeen));
                break;
        }
    }

    private static BasicProperties Notice(string jobId, string kind) => new()
    {
        CorrelationId = jobId,
        Expiration = NoticeExpiration,
        Headers = new Dictionary<string, object?> { [Headers.Kind] = kind },
    };

    private static BasicProperties Properties(string jobId, string kind) => new()
    {
        Persistent = true,
        CorrelationId = jobId,
        Headers = new Dictionary<string, object?> { [Headers.Kind] = kind },
    };
}
