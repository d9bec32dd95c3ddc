using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Mpms.Hosting.Protocol;
using Mpms.Hosting.Queue;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit.Queue;

/// <summary>
/// A handle's progress as the application sees it: the values a link hands to the lease, read through
/// <see cref="MpmsJobHandle{TResult}.ReadProgressAsync{TProgress}"/> and <see cref="MpmsJobHandle{TResult}.ReportProgressTo{TProgress}"/>.
/// </summary>
public sealed class JobHandleProgressTests : IDisposable
{
    private readonly SignallingLogger _logger = new();
    private readonly UnitPool<EchoJob, string> _pool;

    public JobHandleProgressTests() => _pool = Pools.Create(logger: _logger);

    public void Dispose() => _pool.Dispose();

    [Fact]
    public async Task ReadProgressAsync_ValuesThenTheJobEnds_YieldsEachValueInTurnThenEnds()
    {
        (MpmsJobHandle<string> handle, PendingJob<EchoJob, string> lease) = await RunningJobAsync();
        await using IAsyncEnumerator<int> reader = handle.ReadProgressAsync<int>().GetAsyncEnumerator();
        ValueTask<bool> first = reader.MoveNextAsync();
        Assert.False(first.IsCompleted);

        Report(lease, 1);
        Assert.True(await first.AsTask().WaitAsync(Wire.HangGuard));
        Assert.Equal(1, reader.Current);
        Report(lease, 2);
        Assert.True(await reader.MoveNextAsync().AsTask().WaitAsync(Wire.HangGuard));
        Assert.Equal(2, reader.Current);
        ValueTask<bool> afterEnd = reader.MoveNextAsync();
        Succeed(lease);

        Assert.False(await afterEnd.AsTask().WaitAsync(Wire.HangGuard));
        Assert.Equal("done", await handle);
    }

    [Fact]
    public async Task ReadProgressAsync_LateReader_StartsWithTheLatestValue()
    {
        (MpmsJobHandle<string> handle, PendingJob<EchoJob, string> lease) = await RunningJobAsync();
        Report(lease, 1);
        Report(lease, 2);
        Report(lease, 3);

        await using IAsyncEnumerator<int> reader = handle.ReadProgressAsync<int>().GetAsyncEnumerator();

        Assert.True(await reader.MoveNextAsync());
        Assert.Equal(3, reader.Current);
        Succeed(lease);
        Assert.False(await reader.MoveNextAsync().AsTask().WaitAsync(Wire.HangGuard));
    }

    [Fact]
    public async Task ReadProgressAsync_SlowReader_SkipsToTheNewestValue()
    {
        (MpmsJobHandle<string> handle, PendingJob<EchoJob, string> lease) = await RunningJobAsync();
        await using IAsyncEnumerator<int> reader = handle.ReadProgressAsync<int>().GetAsyncEnumerator();
        Report(lease, 1);
        Assert.True(await reader.MoveNextAsync());

        Report(lease, 2);
        Report(lease, 3);
        Report(lease, 4);

        Assert.True(await reader.MoveNextAsync());
        Assert.Equal(4, reader.Current);
    }

    [Fact]
    public async Task ReadProgressAsync_LastValueJustBeforeTheOutcome_IsYieldedBeforeTheStreamEnds()
    {
        (MpmsJobHandle<string> handle, PendingJob<EchoJob, string> lease) = await RunningJobAsync();
        IAsyncEnumerable<int> before = handle.ReadProgressAsync<int>();
        Report(lease, 1);
        Report(lease, 100);
        Succeed(lease);

        Assert.Equal([100], await ToListAsync(before));
        Assert.Equal([100], await ToListAsync(handle.ReadProgressAsync<int>())); // a reader after the end
    }

    [Fact]
    public async Task ReadProgressAsync_JobThatReportsNothing_EndsWhenTheJobEnds()
    {
        (MpmsJobHandle<string> handle, PendingJob<EchoJob, string> lease) = await RunningJobAsync();
        await using IAsyncEnumerator<int> reader = handle.ReadProgressAsync<int>().GetAsyncEnumerator();
        ValueTask<bool> next = reader.MoveNextAsync();

        lease.HandBack();
        Assert.False(next.IsCompleted);
        lease = await _pool.SendNextAsync();
        lease.Lose(new Dispatch.WorkerLoss("p1", 1, MpmsProcessExitReason.Killed, null, 9));

        Assert.False(await next.AsTask().WaitAsync(Wire.HangGuard));
        await Assert.ThrowsAsync<MpmsWorkerLostException>(() => handle.Completion);
    }

    [Fact]
    public async Task Job_NeitherReportingNorRead_MakesNoProgressState_UntilAReaderAsks()
    {
        (MpmsJobHandle<string> handle, PendingJob<EchoJob, string> lease) = await RunningJobAsync();
        Succeed(lease);
        Assert.Equal("done", await handle);

        Assert.False(lease.HasProgressState);
        Assert.Empty(await ToListAsync(handle.ReadProgressAsync<int>()));
        Assert.True(lease.HasProgressState);
    }

    [Fact]
    public async Task ReadProgressAsync_ValueReportedAfterTheOutcome_IsNeverSeen()
    {
        (MpmsJobHandle<string> handle, PendingJob<EchoJob, string> lease) = await RunningJobAsync();
        Report(lease, 1);
        Succeed(lease);

        Report(lease, 2);

        Assert.Equal([1], await ToListAsync(handle.ReadProgressAsync<int>()));
    }

    [Fact]
    public async Task ReadProgressAsync_ReaderCanceled_ThrowsAndTheJobGoesOn()
    {
        (MpmsJobHandle<string> handle, PendingJob<EchoJob, string> lease) = await RunningJobAsync();
        using var stop = new CancellationTokenSource();
        await using IAsyncEnumerator<int> reader = handle.ReadProgressAsync<int>(stop.Token).GetAsyncEnumerator();
        ValueTask<bool> next = reader.MoveNextAsync();

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next.AsTask().WaitAsync(Wire.HangGuard));
        Assert.Equal(MpmsJobStatus.Running, handle.Status);
        Report(lease, 5);
        Assert.Equal([5], await ToListAsync(handle.ReadProgressAsync<int>().Take(1)));
    }

    [Fact]
    public async Task ReadProgressAsync_ValueOfAnotherType_ThrowsMpmsSerializationExceptionNamingTheJob()
    {
        (MpmsJobHandle<string> handle, PendingJob<EchoJob, string> lease) = await RunningJobAsync();
        Report(lease, "half way");

        MpmsSerializationException ex = await Assert.ThrowsAsync<MpmsSerializationException>(() => ToListAsync(handle.ReadProgressAsync<int>().Take(1)));

        Assert.Contains(handle.JobId, ex.Message, StringComparison.Ordinal);
        Assert.Contains("System.Int32", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportProgressTo_Attached_GetsTheLatestThenEachNewValue()
    {
        (MpmsJobHandle<string> handle, PendingJob<EchoJob, string> lease) = await RunningJobAsync();
        var progress = new ChannelProgress<int>();
        Report(lease, 1);

        using IDisposable subscription = handle.ReportProgressTo(progress);

        Assert.Equal(1, await progress.NextAsync());
        Report(lease, 2);
        Assert.Equal(2, await progress.NextAsync());
        Report(lease, 3);
        Assert.Equal(3, await progress.NextAsync());
    }

    [Fact]
    public async Task ReportProgressTo_DisposedBeforeAnyValue_ReportsNone()
    {
        (MpmsJobHandle<string> handle, PendingJob<EchoJob, string> lease) = await RunningJobAsync();
        var stopped = new ChannelProgress<int>();
        var live = new ChannelProgress<int>();
        handle.ReportProgressTo(stopped).Dispose();
        using IDisposable subscription = handle.ReportProgressTo(live);

        Report(lease, 1);

        Assert.Equal(1, await live.NextAsync());
        Assert.Equal(0, stopped.Count);
    }

    [Fact]
    public async Task ReportProgressTo_ProgressThrows_TheSubscriptionEndsAndTheFailureIsLogged()
    {
        (MpmsJobHandle<string> handle, PendingJob<EchoJob, string> lease) = await RunningJobAsync();
        var failing = new ThrowingProgress();
        using IDisposable subscription = handle.ReportProgressTo(failing);

        Report(lease, 1);

        (EventId id, Exception? exception, string message) = await _logger.Failed.WaitAsync(Wire.HangGuard);
        Assert.Equal((1531, "ProgressSubscriberFailed"), (id.Id, id.Name));
        Assert.IsType<InvalidOperationException>(exception);
        Assert.Contains(handle.JobId, message, StringComparison.Ordinal);
        Report(lease, 2);
        Succeed(lease);
        Assert.Equal(1, failing.Calls);
    }

    [Fact]
    public async Task ReportProgressTo_Null_Throws()
    {
        MpmsJobHandle<string> handle = await _pool.PutAsync(new EchoJob("x"));

        Assert.Throws<ArgumentNullException>(() => handle.ReportProgressTo<int>(null!));
    }

    [Fact]
    public async Task ReportProgress_EachValue_IsLoggedAtDebugOnly()
    {
        (MpmsJobHandle<string> handle, PendingJob<EchoJob, string> lease) = await RunningJobAsync();

        Report(lease, 12345);

        (LogLevel level, EventId id, string message) = Assert.Single(_logger.Entries, e => e.Id.Id == 1530);
        Assert.Equal((LogLevel.Debug, "ProgressReceived"), (level, id.Name));
        Assert.Contains(handle.JobId, message, StringComparison.Ordinal);
        Assert.Contains("(5 bytes)", message, StringComparison.Ordinal);
    }

    private async Task<(MpmsJobHandle<string> Handle, PendingJob<EchoJob, string> Lease)> RunningJobAsync()
    {
        MpmsJobHandle<string> handle = await _pool.PutAsync(new EchoJob("x"));
        PendingJob<EchoJob, string> lease = await _pool.SendNextAsync();
        return (handle, lease);
    }

    /// <summary>What a link does with a progress frame: the value, serialised, split in two segments to be sure it is copied whole.</summary>
    private static void Report<T>(PendingJob<EchoJob, string> lease, T value)
    {
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(value);
        lease.ReportProgress(Sequences.Split(json, [json.Length / 2]));
    }

    private static void Succeed(PendingJob<EchoJob, string> lease) =>
        lease.Complete(ResultFrame.Success(lease.Sequence, 1, 1, 2, JsonSerializer.SerializeToUtf8Bytes("done")), 42, "t1");

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> values)
    {
        var list = new List<T>();
        await foreach (T value in values.WithCancellation(CancellationToken.None))
        {
            list.Add(value);
        }

        return list;
    }

    /// <summary>An <see cref="IProgress{T}"/> that keeps what it is told, in order, for a test to wait on.</summary>
    private sealed class ChannelProgress<T> : IProgress<T>
    {
        private readonly Channel<T> _values = Channel.CreateUnbounded<T>();
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Report(T value)
        {
            Interlocked.Increment(ref _count);
            _values.Writer.TryWrite(value);
        }

        public async Task<T> NextAsync() => await _values.Reader.ReadAsync().AsTask().WaitAsync(Wire.HangGuard);
    }

    private sealed class ThrowingProgress : IProgress<int>
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void Report(int value)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("the subscriber broke");
        }
    }

    /// <summary>A logger that keeps every entry and signals the first progress-subscriber failure.</summary>
    private sealed class SignallingLogger : ILogger
    {
        private readonly TaskCompletionSource<(EventId, Exception?, string)> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly System.Collections.Concurrent.ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> _entries = new();

        public Task<(EventId Id, Exception? Exception, string Message)> Failed => _failed.Task;

        public IReadOnlyList<(LogLevel Level, EventId Id, string Message)> Entries => [.. _entries];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string message = formatter(state, exception);
            _entries.Enqueue((logLevel, eventId, message));
            if (eventId.Id == 1531)
            {
                _failed.TrySetResult((eventId, exception, message));
            }
        }
    }
}
