using System.Security.Cryptography;
using Mpms.Hosting;

namespace Mpms.Samples.WebApi;

/// <summary>A job: SHA-256 <see cref="Rounds"/> times over a buffer of <see cref="Size"/> bytes; optionally wait first.</summary>
public sealed record ChecksumJob(int Size, int Rounds = 1, int DelayMs = 0) : IMpmsJob<ChecksumResult>;

/// <summary>What the worker computed, and where it ran.</summary>
public sealed record ChecksumResult(string Checksum, int ProcessId, string? Thread);

/// <summary>The worker: CPU work in a worker process, with the job's token honoured while it waits; its data comes from <see cref="IPayloadSource"/>.</summary>
public sealed class ChecksumWorker(IPayloadSource payload) : IMpmsWorker<ChecksumJob, ChecksumResult>
{
    public async ValueTask<ChecksumResult> ExecuteAsync(ChecksumJob job, MpmsJobContext context, CancellationToken cancellationToken)
    {
        // A bad job fails in the worker: its exception comes back as the outcome, and the dashboard lists it.
        ArgumentOutOfRangeException.ThrowIfNegative(job.Rounds);
        if (job.DelayMs > 0)
        {
            await Task.Delay(job.DelayMs, cancellationToken);
        }

        byte[] data = new byte[Math.Clamp(job.Size, 0, 16 * 1024 * 1024)];
        payload.Fill(data);
        byte[] hash = SHA256.HashData(data);
        for (int i = 1; i < job.Rounds; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hash = SHA256.HashData(hash);
        }

        return new ChecksumResult(Convert.ToHexString(hash, 0, 8), Environment.ProcessId, Thread.CurrentThread.Name);
    }
}
