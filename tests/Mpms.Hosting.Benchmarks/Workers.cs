using System.Security.Cryptography;
using Mpms.Hosting;

namespace Mpms.Hosting.Benchmarks;

/// <summary>The original's benchmark job: <c>x * 2</c>.</summary>
public sealed class TrivialWorker : IMpmsWorker<int, int>
{
    public ValueTask<int> ExecuteAsync(int job, MpmsJobContext context, CancellationToken cancellationToken) => ValueTask.FromResult(job * 2);
}

/// <summary>An I/O-bound job: block its thread <c>Milliseconds</c>, like the original's <c>time.sleep</c> (a blocking call).</summary>
public sealed record SleepJob(int Milliseconds);

public sealed class SleepWorker : IMpmsWorker<SleepJob, int>
{
    public ValueTask<int> ExecuteAsync(SleepJob job, MpmsJobContext context, CancellationToken cancellationToken)
    {
        Thread.Sleep(job.Milliseconds);
        return ValueTask.FromResult(job.Milliseconds);
    }
}

/// <summary>A CPU-bound job: <c>Rounds</c> SHA-256 hashes chained over 1 KiB.</summary>
public sealed record CpuJob(int Rounds);

public sealed class CpuWorker : IMpmsWorker<CpuJob, int>
{
    public ValueTask<int> ExecuteAsync(CpuJob job, MpmsJobContext context, CancellationToken cancellationToken)
    {
        byte[] data = new byte[1024];
        for (int i = 0; i < job.Rounds; i++)
        {
            SHA256.HashData(data, data.AsSpan(0, 32));
        }

        return ValueTask.FromResult((int)data[0]);
    }
}

/// <summary>Counts outcomes, so "results to a collector" is measured the way the original measures it.</summary>
public sealed class CountingCollector : IMpmsCollector<int, int>
{
    private long _count;

    public long Count => Interlocked.Read(ref _count);

    public ValueTask CollectAsync(MpmsResult<int, int> result, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _count);
        return ValueTask.CompletedTask;
    }
}
