using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Mpms.Hosting.HealthChecks;

namespace Mpms.Hosting.Tests.Unit.HealthChecks;

public sealed class MpmsHealthResponseWriterTests
{
    [Fact]
    public async Task WriteAsync_Report_WritesStatusDurationAndEveryEntryThatParsesBack()
    {
        var at = new DateTimeOffset(2026, 12, 1, 8, 30, 0, TimeSpan.Zero);
        var data = new Dictionary<string, object>
        {
            ["State"] = "Running",
            ["ProcessesReady"] = 2,
            ["Queued"] = 42L,
            ["OldestQueuedJobSeconds"] = 1.25,
            ["QueueFullRecently"] = true,
            ["Status"] = HealthStatus.Degraded,
            ["Waited"] = TimeSpan.FromSeconds(90),
            ["At"] = at,
            ["Pids"] = new[] { 11, 12 },
            ["Nothing"] = null!,
            ["NotANumber"] = double.NaN,
            ["Version"] = new Version(1, 2),
        };
        var report = new HealthReport(
            new Dictionary<string, HealthReportEntry>
            {
                ["mpms"] = new(HealthStatus.Degraded, "pool A: queue full now (42 waiting, capacity 42).", TimeSpan.FromMilliseconds(1.5), exception: new InvalidOperationException("secret"), data, ["ready", "live"]),
                ["db"] = new(HealthStatus.Healthy, null, TimeSpan.Zero, exception: null, data: null),
            },
            HealthStatus.Degraded,
            TimeSpan.FromMilliseconds(2));
        using var stream = new AsyncOnlyStream();

        await MpmsHealthResponseWriter.WriteAsync(stream, report, CancellationToken.None);

        using JsonDocument json = JsonDocument.Parse(stream.ToArray());
        JsonElement root = json.RootElement;
        Assert.Equal("Degraded", root.GetProperty("status").GetString());
        Assert.Equal(TimeSpan.FromMilliseconds(2), TimeSpan.Parse(root.GetProperty("totalDuration").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["mpms", "db"], root.GetProperty("entries").EnumerateObject().Select(p => p.Name));

        JsonElement mpms = root.GetProperty("entries").GetProperty("mpms");
        Assert.Equal("Degraded", mpms.GetProperty("status").GetString());
        Assert.Equal("pool A: queue full now (42 waiting, capacity 42).", mpms.GetProperty("description").GetString());
        Assert.Equal("00:00:00.0015000", mpms.GetProperty("duration").GetString());
        Assert.Equal(["ready", "live"], mpms.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.False(mpms.TryGetProperty("exception", out _));
        Assert.DoesNotContain("secret", System.Text.Encoding.UTF8.GetString(stream.ToArray()), StringComparison.Ordinal);

        JsonElement values = mpms.GetProperty("data");
        Assert.Equal("Running", values.GetProperty("State").GetString());
        Assert.Equal(2, values.GetProperty("ProcessesReady").GetInt32());
        Assert.Equal(42L, values.GetProperty("Queued").GetInt64());
        Assert.Equal(1.25, values.GetProperty("OldestQueuedJobSeconds").GetDouble());
        Assert.True(values.GetProperty("QueueFullRecently").GetBoolean());
        Assert.Equal("Degraded", values.GetProperty("Status").GetString());
        Assert.Equal("00:01:30", values.GetProperty("Waited").GetString());
        Assert.Equal(at, values.GetProperty("At").GetDateTimeOffset());
        Assert.Equal([11, 12], values.GetProperty("Pids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(JsonValueKind.Null, values.GetProperty("Nothing").ValueKind);
        Assert.Equal("NaN", values.GetProperty("NotANumber").GetString());
        Assert.Equal("1.2", values.GetProperty("Version").GetString());

        JsonElement db = root.GetProperty("entries").GetProperty("db");
        Assert.Equal(JsonValueKind.Null, db.GetProperty("description").ValueKind);
        Assert.Empty(db.GetProperty("data").EnumerateObject());
        Assert.True(stream.FlushedAsync, "The stream was never flushed.");
    }

    [Fact]
    public async Task WriteAsync_NullArguments_Throw()
    {
        var report = new HealthReport(new Dictionary<string, HealthReportEntry>(), TimeSpan.Zero);

        await Assert.ThrowsAsync<ArgumentNullException>(() => MpmsHealthResponseWriter.WriteAsync(null!, report));
        await Assert.ThrowsAsync<ArgumentNullException>(() => MpmsHealthResponseWriter.WriteAsync(new MemoryStream(), null!));
    }

    [Fact]
    public async Task WriteAsync_Canceled_WritesNothing()
    {
        var report = new HealthReport(new Dictionary<string, HealthReportEntry>(), TimeSpan.Zero);
        using var stream = new AsyncOnlyStream();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => MpmsHealthResponseWriter.WriteAsync(stream, report, new CancellationToken(canceled: true)));

        Assert.Empty(stream.ToArray());
    }

    /// <summary>Refuses synchronous writes and flushes, as ASP.NET Core's response body does by default.</summary>
    private sealed class AsyncOnlyStream : Stream
    {
        private readonly MemoryStream _written = new();

        public bool FlushedAsync { get; private set; }

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public byte[] ToArray() => _written.ToArray();

        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous write.");

        public override void Flush() => throw new InvalidOperationException("Synchronous flush.");

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _written.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            FlushedAsync = true;
            return Task.CompletedTask;
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            _written.Dispose();
            base.Dispose(disposing);
        }
    }
}
