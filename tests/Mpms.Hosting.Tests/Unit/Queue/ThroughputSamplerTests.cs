using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Queue;

namespace Mpms.Hosting.Tests.Unit.Queue;

/// <summary>The sampler behind the dashboard's chart: per-interval differences of the counters, 10 minutes of them, on its own timer.</summary>
public sealed class ThroughputSamplerTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));
    private MpmsPoolStats _stats = new() { PoolName = "p", State = MpmsPoolState.Running };

    [Fact]
    public void Samples_EachInterval_HoldWhatFinishedAndFailedInItAndTheQueueAtItsEnd()
    {
        _stats = _stats with { Succeeded = 10, Failed = 1 };
        using var sampler = new ThroughputSampler(() => _stats, _time);
        sampler.Start();

        _stats = _stats with { Succeeded = 25, Failed = 2, TimedOut = 1, WorkerLost = 1, Canceled = 3, Queued = 4, Running = 2 };
        _time.Advance(ThroughputSampler.Interval);
        _stats = _stats with { Succeeded = 30 };
        _time.Advance(ThroughputSampler.Interval);

        MpmsThroughputSample[] samples = sampler.Samples();

        Assert.Equal(2, samples.Length);
        Assert.Equal((15L + 1 + 1 + 1 + 3, 3L, 4L, 2L), (samples[0].Finished, samples[0].Failed, samples[0].Queued, samples[0].Running));
        Assert.Equal((5L, 0L), (samples[1].Finished, samples[1].Failed));
        Assert.Equal(_time.GetUtcNow(), samples[1].At);
        Assert.Equal(ThroughputSampler.Interval, samples[1].At - samples[0].At);
    }

    [Fact]
    public void Samples_LongerThanTenMinutes_KeepOnlyTheLastOnesOldestFirst()
    {
        using var sampler = new ThroughputSampler(() => _stats, _time);
        sampler.Start();

        for (int i = 1; i <= ThroughputSampler.Capacity + 5; i++)
        {
            _stats = _stats with { Succeeded = i };
            _time.Advance(ThroughputSampler.Interval);
        }

        MpmsThroughputSample[] samples = sampler.Samples();
        Assert.Equal(ThroughputSampler.Capacity, samples.Length);
        Assert.All(samples, s => Assert.Equal(1, s.Finished));
        Assert.Equal(_time.GetUtcNow(), samples[^1].At);
        Assert.Equal(_time.GetUtcNow() - (ThroughputSampler.Interval * (ThroughputSampler.Capacity - 1)), samples[0].At);
    }

    [Fact]
    public void Samples_NotStarted_AreNoneAndTimeTakesNone()
    {
        using var sampler = new ThroughputSampler(() => _stats, _time);

        _time.Advance(ThroughputSampler.Interval * 3);

        Assert.Empty(sampler.Samples());
    }
}
