using Microsoft.Extensions.Time.Testing;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Queue;

public sealed class QueueGateTests
{
    [Fact]
    public void Admit_Running_GivesIncreasingSequenceNumbersAndCountsThem()
    {
        using var gate = Started(capacity: 3);

        Assert.True(gate.Places.TryTake());
        long first = gate.Admit();
        Assert.True(gate.Places.TryTake());
        long second = gate.Admit();

        Assert.Equal((1L, 2L, 2L), (first, second, gate.Accepted));
    }

    [Fact]
    public void TryTakePlace_AtCapacity_IsRefusedUntilAPlaceIsReleased()
    {
        using var gate = Started(capacity: 1);
        Assert.True(gate.Places.TryTake());

        Assert.False(gate.Places.TryTake());
        gate.Places.Release(PlaceKind.Queue);

        Assert.True(gate.Places.TryTake());
    }

    [Fact]
    public void TimeSinceFull_NoPutFoundItFull_IsNull()
    {
        var time = new FakeTimeProvider();
        using var gate = Started(capacity: 2, time);
        Assert.True(gate.Places.TryTake());

        Assert.Null(gate.Places.TimeSinceFull);
        Assert.Equal(2, gate.Places.Capacity);
    }

    [Fact]
    public void TimeSinceFull_WhileNoPlaceIsFree_IsZero()
    {
        var time = new FakeTimeProvider();
        using var gate = Started(capacity: 1, time);
        Assert.True(gate.Places.TryTake());

        time.Advance(TimeSpan.FromMinutes(5));

        // Full by the count of places alone: no put had to find it so.
        Assert.Equal(TimeSpan.Zero, gate.Places.TimeSinceFull);
    }

    [Fact]
    public void TimeSinceFull_RefusedPutThenRoom_CountsFromTheRefusal()
    {
        var time = new FakeTimeProvider();
        using var gate = Started(capacity: 1, time);
        Assert.True(gate.Places.TryTake());
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.False(gate.Places.TryTake());

        gate.Places.Release(PlaceKind.Queue);
        time.Advance(TimeSpan.FromSeconds(7));

        Assert.Equal(TimeSpan.FromSeconds(7), gate.Places.TimeSinceFull);

        // A later refusal moves the mark.
        Assert.True(gate.Places.TryTake());
        Assert.False(gate.Places.TryTake());
        time.Advance(TimeSpan.FromSeconds(2));
        gate.Places.Release(PlaceKind.Queue);
        Assert.Equal(TimeSpan.FromSeconds(2), gate.Places.TimeSinceFull);
    }

    [Fact]
    public void Admit_AfterComplete_ReleasesThePlaceAndThrowsCompleted()
    {
        using var gate = Started(capacity: 1);
        Assert.True(gate.Places.TryTake());
        gate.Complete();

        var ex = Assert.Throws<MpmsQueueCompletedException>(() => gate.Admit());

        Assert.Contains("'UnitPool' is completed", ex.Message, StringComparison.Ordinal);
        Assert.True(gate.Places.TryTake(), "The refused put kept its place.");
    }

    [Fact]
    public async Task TakePlaceAsync_QueueCompletesWhileWaiting_ThrowsCompleted()
    {
        using var gate = Started(capacity: 1);
        Assert.True(gate.Places.TryTake());

        Task waiting = gate.TakePlaceAsync(CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        gate.Complete();

        await Assert.ThrowsAsync<MpmsQueueCompletedException>(() => waiting.WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public void ThrowIfNotAccepting_Failed_ThrowsPoolFailedWithTheReasonUntilRecovered()
    {
        using var gate = Started(capacity: 1);
        gate.Fail("cannot start");

        Assert.Equal("cannot start", Assert.Throws<MpmsPoolFailedException>(gate.ThrowIfNotAccepting).Message);
        Assert.True(gate.Recover());
        gate.ThrowIfNotAccepting();
        Assert.False(gate.Recover());
    }

    [Fact]
    public void ThrowIfNotAccepting_NotStarted_ThrowsAPlainInvalidOperation()
    {
        using var gate = new QueueGate(Pools.Name, 1);

        var ex = Assert.Throws<InvalidOperationException>(gate.ThrowIfNotAccepting);

        Assert.IsNotType<MpmsQueueCompletedException>(ex);
        Assert.Contains("has not started", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IsClosed_OnlyOnceCompleted_AndThenKnowsTheFinalCount()
    {
        using var gate = Started(capacity: 2);
        gate.Places.TryTake();
        gate.Admit();

        Assert.False(gate.IsClosed(out _));
        gate.Complete();

        Assert.True(gate.IsClosed(out long accepted));
        Assert.Equal(1, accepted);
        gate.Stop();
        Assert.Equal(MpmsPoolState.Stopped, gate.State);
        Assert.Throws<MpmsQueueCompletedException>(gate.ThrowIfNotAccepting);
    }

    private static QueueGate Started(int capacity, TimeProvider? time = null)
    {
        var gate = new QueueGate(Pools.Name, capacity, time);
        gate.Start();
        return gate;
    }
}
