using System.Buffers;
using System.IO.Pipelines;
using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Dispatch;
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

        List<(FrameType Type, byte[] Body)> frames = await WrittenAsync(outbox => Assert.Equal(LeaseAdd.Added, ledger.TryAdd(lease, outbox)));

        Assert.Equal(1, ledger.Count);
        (FrameType type, byte[] body) = Assert.Single(frames);
        Assert.Equal((FrameType.Job, 7L), (type, JobFrame.Read(new ReadOnlySequence<byte>(body)).Sequence));
    }

    [Fact]
    public async Task TryAdd_Closed_HoldsNothingAndWritesNothing()
    {
        var ledger = new LeaseLedger(TimeProvider.System, jobsStartWhenSent: true);
        Assert.True(ledger.Close());

        List<(FrameType Type, byte[] Body)> frames = await WrittenAsync(outbox => Assert.Equal(LeaseAdd.Closed, ledger.TryAdd(new FakeLease(7), outbox)));

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
        Assert.Same(held, ledger.Take(2));
        Assert.Null(ledger.OldestRunning([new RunningJob(3, 1, start.UtcTicks)]));
    }

    [Fact]
    public async Task ObserveStarts_OnlyTheJobsMarked_AreRecordedStartedAndAccountable()
    {
        using var marks = new StartMarksFile();
        var clock = new FakeTimeProvider();
        var ledger = new LeaseLedger(clock, jobsStartWhenSent: false, marks.Application);
        FakeLease[] leases = [new(10), new(11), new(12)];
        await WrittenAsync(outbox => Array.ForEach(leases, l => ledger.TryAdd(l, outbox)));
        Assert.Null(ledger.OldestUnaccountedAt());

        marks.Worker.Mark(2); // the second job frame: sequence 11
        ledger.ObserveStarts();

        Assert.Equal([false, true, false], leases.Select(l => l.Started));
        Assert.Equal(clock.GetTimestamp(), ledger.OldestUnaccountedAt());
        Assert.Equal(3, ledger.Count);
    }

    [Fact]
    public async Task CloseAndTakeAll_ProcessFinishedAJobUnreportedThenStartedAnother_BothCountStartedTheRestDoNot()
    {
        using var marks = new StartMarksFile();
        var ledger = new LeaseLedger(TimeProvider.System, jobsStartWhenSent: false, marks.Application);
        FakeLease[] leases = [new(1), new(2), new(3), new(4)];
        await WrittenAsync(outbox => Array.ForEach(leases, l => ledger.TryAdd(l, outbox)));

        // One thread ran job 1 to its end (its result never left the process), then started job 2, then the process died.
        marks.Worker.Mark(1);
        marks.Worker.Mark(2);
        IJobLease[] orphans = ledger.CloseAndTakeAll();

        Assert.Equal(4, orphans.Length);
        Assert.Equal([true, true, false, false], leases.Select(l => l.Started));
    }

    [Fact]
    public async Task Take_ResultOfAJobMarkedStarted_RecordsItsStartFirst()
    {
        using var marks = new StartMarksFile();
        var ledger = new LeaseLedger(TimeProvider.System, jobsStartWhenSent: false, marks.Application);
        var lease = new FakeLease(5);
        await WrittenAsync(outbox => ledger.TryAdd(lease, outbox));
        marks.Worker.Mark(1);

        Assert.Same(lease, ledger.Take(5));

        Assert.True(lease.Started);
        Assert.Null(ledger.OldestUnaccountedAt());
    }

    [Fact]
    public async Task TryAdd_SlotStillHeldByAJobNotSeenStarted_SendsNothingUntilItIsMarked()
    {
        // Four slots: ordinal 5 comes round to the slot of ordinal 1.
        using var marks = new StartMarksFile(slots: 4);
        var ledger = new LeaseLedger(TimeProvider.System, jobsStartWhenSent: false, marks.Application);
        var first = new FakeLease(1);
        await WrittenAsync(outbox =>
        {
            ledger.TryAdd(first, outbox);
            for (long sequence = 2; sequence <= 4; sequence++)
            {
                ledger.TryAdd(new FakeLease(sequence), outbox);
            }
        });
        Assert.All(new long[] { 2, 3, 4 }, sequence => Assert.NotNull(ledger.Take(sequence)));

        List<(FrameType Type, byte[] Body)> frames = await WrittenAsync(outbox => Assert.Equal(LeaseAdd.SlotTaken, ledger.TryAdd(new FakeLease(5), outbox)));
        Assert.Empty(frames);
        Assert.False(ledger.NextSlotFree());

        marks.Worker.Mark(1);

        Assert.True(ledger.NextSlotFree());
        Assert.True(first.Started);
        var fifth = new FakeLease(5);
        frames = await WrittenAsync(outbox => Assert.Equal(LeaseAdd.Added, ledger.TryAdd(fifth, outbox)));
        Assert.Single(frames);
        Assert.False(fifth.Started); // the slot holds ordinal 1, not 5
        ledger.ObserveStarts();
        Assert.False(fifth.Started);
        marks.Worker.Mark(5);
        ledger.ObserveStarts();
        Assert.True(fifth.Started);
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
