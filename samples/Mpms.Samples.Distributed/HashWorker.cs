using System.Security.Cryptography;
using System.Text;
using Mpms.Hosting;

namespace Mpms.Samples.Distributed;

/// <summary>A job: SHA-256 over <see cref="Text"/>, <see cref="Rounds"/> times; optionally wait first (to watch a job move when its host dies).</summary>
public sealed record HashJob(string Text, int Rounds = 10_000, int DelayMs = 0) : IMpmsJob<HashResult>;

/// <summary>What the worker computed, and where: the host (its <c>Name</c> setting), the worker process and thread, and the attempt.</summary>
public sealed record HashResult(string Digest, string Host, int ProcessId, string? Thread, int Attempt);

/// <summary>
/// The worker. It runs in a worker process of whichever host took the job from the broker, so the host it names is
/// rarely the one that put the job.
/// </summary>
public sealed class HashWorker(IConfiguration configuration) : IMpmsWorker<HashJob, HashResult>
{
    // Worker processes are their host started again with the same arguments, so they read the host's own name.
    private readonly string _host = configuration["Name"] ?? Environment.MachineName;

    public async ValueTask<HashResult> ExecuteAsync(HashJob job, MpmsJobContext context, CancellationToken cancellationToken)
    {
        if (job.DelayMs > 0)
        {
            await Task.Delay(job.DelayMs, cancellationToken);
        }

        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(job.Text));
        for (int i = 1; i < job.Rounds; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hash = SHA256.HashData(hash);
        }

        return new HashResult(Convert.ToHexString(hash, 0, 8), _host, Environment.ProcessId, Thread.CurrentThread.Name, context.Attempt);
    }
}
