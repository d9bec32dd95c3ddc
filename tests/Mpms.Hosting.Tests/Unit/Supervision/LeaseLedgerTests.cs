using System.Buffers;
using System.IO.Pipelines;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Supervision;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Supervision;

public sealed class LeaseLedgerTests
{
    [Fact]
    public async Task TryAdd_Open_HoldsTheLeaseAndWritesItsJobFrame()
    {
        var ledger = new LeaseLedger(TimeProvider.System, jobsStartWhenSent: true);
        var lease = new FakeLease(7);

        List<(FrameType Type, byte[] Body)> frames = await WrittenAsync(outbox => Assert.True(ledger.TryAdd(lease, outbox)));

        Assert.Equal(1, ledger.Count);
        (FrameType type, byte[] body) = Assert.Single(frames);
        Assert.Equal((FrameType.Job, 7L), (type, JobFrame.Read(new ReadOnlySequence<byte>(body)).Sequence));
    }

    [Fact]
    public async Task TryAdd_Closed_HoldsNothingAndWritesNothing()
    {
        var ledger = new LeaseLedger(TimeProvider.System, jobsStartWhenSent: true);
        Assert.True(ledger.Close());

        List<(FrameType Type, byte[] Body)> frames = await WrittenAsync(outbox => Assert.False(ledger.TryAdd(new FakeLease(7), outbox)));

        Assert.Empty(frames);
        Assert.Equal(0, ledger.Count);
    }

    [Fact]
    public void Close_Twice_OnlyTheFirstCloses()
    {
        var ledger = new LeaseLedger(TimeProvider.System, jobsStartWhenSent: true);

        Assert.True(ledger.Close());
        Assert.False(ledger.Close());
        Assert.True(ledger.IsClosed);
    }

    [Fact]
    public async Task Take_RemovesTheLeaseOnce()
    {
        var ledger = new LeaseLedger(TimeProvider.System, jobsStartWhenSent: true);
        var lease = new FakeLease(7);
        await WrittenAsync(outbox => ledger.TryAdd(lease, outbox));

        Assert.Same(lease, ledger.Take(7));
        Assert.Null(ledger.Take(7));
        Assert.False(ledger.MarkStarted(7));
    }

    [Fact]
    public async Task CloseAndTakeAll_TakesEveryLeaseAndClosesTheLedger()
    {
        var ledger = new LeaseLedger(TimeProvider.System, jobsStartWhenSent: true);
        await WrittenAsync(outbox =>
        {
            ledger.TryAdd(new FakeLease(1), outbox);
            ledger.TryAdd(new FakeLease(2), outbox);
        });

        Assert.Equal([1L, 2L], ledger.CloseAndTakeAll().Select(l => l.Sequence).Order());
        Assert.True(ledger.IsClosed);
        Assert.Empty(ledger.CloseAndTakeAll());
    }

    [Fact]
    public async Task OldestRunning_HeartbeatJobs_IsTheEarliestStartedThatItHolds()
    {
        var ledger = new LeaseLedger(TimeProvider.System, jobsStartWhenSent: true);
        var held = new FakeLease(2);
        await WrittenAsync(outbox =>
        {
            ledger.TryAdd(new FakeLease(1), outbox);
            ledger.TryAdd(held, outbox);
        });
        var start = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

        RunningJobStart? oldest = ledger.OldestRunning([
            new RunningJob(1, 1, start.AddSeconds(5).UtcTicks),
            new RunningJob(3, 1, start.AddSeconds(-50).UtcTicks),
            new RunningJob(2, 2, start.UtcTicks),
            new RunningJob(1, 1, long.MaxValue),
        ]);

        Assert.Equal(new RunningJobStart(2, "job-2", start), oldest);
        Assert.True(ledger.MarkStarted(2));
        Assert.True(held.Started);
        Assert.Null(ledger.OldestRunning([new RunningJob(3, 1, start.UtcTicks)]));
    }

    private static async Task<List<(FrameType Type, byte[] Body)>> WrittenAsync(Action<FrameOutbox> write)
    {
        var pipe = new Pipe();
        using var outbox = new FrameOutbox();
        outbox.Start(pipe.Writer);
        write(outbox);
        outbox.Flush();
        outbox.Complete();
        await outbox.Completion.WaitAsync(Wire.HangGuard);
        await pipe.Writer.CompleteAsync();
        ReadResult read = await pipe.Reader.ReadAtLeastAsync(int.MaxValue);
        List<(FrameType, byte[])> frames = Wire.Decode(read.Buffer);
        pipe.Reader.AdvanceTo(read.Buffer.End);
        return frames;
    }
}
