using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Mpms.Hosting.Tests.Unit.DependencyInjection;
using Mpms.Hosting.Tests.Unit.TestDoubles;

namespace Mpms.Hosting.Tests.Unit;

public sealed class MpmsOptionsTests
{
    [Fact]
    public async Task Bind_EveryKindOfValueFromConfiguration_GivesThePoolsOptions()
    {
        ServiceCollection services = Services.New(new Dictionary<string, string?>
        {
            ["Mpms:Processes"] = "3",
            ["Mpms:ThreadsPerProcess"] = "4",
            ["Mpms:QueueCapacity"] = "25",
            ["Mpms:Prefetch"] = "1",
            ["Mpms:MaxJobsPerThread"] = "1000",
            ["Mpms:ThreadLifetime"] = "01:30:00",
            ["Mpms:ProcessLifetime"] = "1.02:03:04",
            ["Mpms:JobTimeout"] = "00:00:30",
            ["Mpms:JobTimeoutGrace"] = "00:00:00.250",
            ["Mpms:GracefulDieExceptions:0"] = "System.TimeoutException",
            ["Mpms:GracefulDieExceptions:1"] = "My.App.PoisonedException",
            ["Mpms:GracefulDieTimeout"] = "00:00:07",
            ["Mpms:HeartbeatInterval"] = "00:00:02",
            ["Mpms:HeartbeatTimeout"] = "00:01:00",
            ["Mpms:StartTimeout"] = "00:02:00",
            ["Mpms:DrainTimeout"] = "00:00:45",
            ["Mpms:RestartDelay"] = "00:00:01",
            ["Mpms:MaxRestartDelay"] = "00:05:00",
            ["Mpms:OnWorkerLost"] = "Retry",
            ["Mpms:MaxAttempts"] = "5",
            ["Mpms:WorkerCommand"] = "thumb-worker",
            ["Mpms:ExecutionMode"] = "InProcess",
            ["Mpms:WorkerArguments:0"] = "--role",
            ["Mpms:WorkerArguments:1"] = "worker",
            ["Mpms:WorkerEnvironment:DOTNET_gcServer"] = "0",
            ["Mpms:WorkerEnvironment:REGION"] = "eu",
            ["Mpms:SocketDirectory"] = "sockets",
            ["Mpms:MaxMessageSize"] = "2048",
            ["Mpms:ProgressInterval"] = "00:00:00.250",
            ["Mpms:Meta:site"] = "eu-1",
            ["Mpms:Meta:build"] = "42",
            ["Mpms:EnableResultStream"] = "true",
            ["Mpms:CaptureWorkerOutput"] = "false",
        });
        services.AddMpms<ThumbWorker>();

        await using ServiceProvider provider = services.Build();
        MpmsOptions o = provider.GetRequiredService<IOptionsMonitor<MpmsOptions>>().Get(nameof(ThumbWorker));

        Assert.Equal((3, 4, 25, 1, 1000), (o.Processes, o.ThreadsPerProcess, o.QueueCapacity, o.Prefetch, o.MaxJobsPerThread));
        Assert.Equal(TimeSpan.FromMinutes(90), o.ThreadLifetime);
        Assert.Equal(new TimeSpan(1, 2, 3, 4), o.ProcessLifetime);
        Assert.Equal(TimeSpan.FromSeconds(30), o.JobTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.JobTimeoutGrace);
        Assert.Equal(["System.TimeoutException", "My.App.PoisonedException"], o.GracefulDieExceptions);
        Assert.Equal(TimeSpan.FromSeconds(7), o.GracefulDieTimeout);
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromMinutes(1)), (o.HeartbeatInterval, o.HeartbeatTimeout));
        Assert.Equal((TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(45)), (o.StartTimeout, o.DrainTimeout));
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5)), (o.RestartDelay, o.MaxRestartDelay));
        Assert.Equal((MpmsWorkerLostPolicy.Retry, 5), (o.OnWorkerLost, o.MaxAttempts));
        Assert.Equal("thumb-worker", o.WorkerCommand);
        Assert.Equal(MpmsExecutionMode.InProcess, o.ExecutionMode);
        Assert.Equal(["--role", "worker"], o.WorkerArguments);
        Assert.Equal(new Dictionary<string, string> { ["DOTNET_gcServer"] = "0", ["REGION"] = "eu" }, o.WorkerEnvironment);
        Assert.Equal(("sockets", 2048), (o.SocketDirectory, o.MaxMessageSize));
        Assert.Equal(TimeSpan.FromMilliseconds(250), o.ProgressInterval);
        Assert.Equal(new Dictionary<string, string> { ["site"] = "eu-1", ["build"] = "42" }, o.Meta);
        Assert.True(o.EnableResultStream);
        Assert.False(o.CaptureWorkerOutput);
        Assert.Equal(25, o.EffectiveQueueCapacity);
    }

    [Fact]
    public async Task Bind_EmptySection_KeepsTheDocumentedDefaults()
    {
        ServiceCollection services = Services.New();
        services.AddMpms<ThumbWorker>();

        await using ServiceProvider provider = services.Build();
        MpmsOptions o = provider.GetRequiredService<IOptionsMonitor<MpmsOptions>>().Get(nameof(ThumbWorker));

        Assert.Equal((Environment.ProcessorCount, 2, null, null, null), (o.Processes, o.ThreadsPerProcess, o.QueueCapacity, o.Prefetch, o.MaxJobsPerThread));
        Assert.Equal((null, null, null), (o.ThreadLifetime, o.ProcessLifetime, o.JobTimeout));
        Assert.Equal((TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)), (o.JobTimeoutGrace, o.GracefulDieTimeout));
        Assert.Equal((TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)), (o.HeartbeatInterval, o.HeartbeatTimeout));
        Assert.Equal((TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(30)), (o.StartTimeout, o.DrainTimeout));
        Assert.Equal((TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30)), (o.RestartDelay, o.MaxRestartDelay));
        Assert.Equal((MpmsWorkerLostPolicy.Fail, 3), (o.OnWorkerLost, o.MaxAttempts));
        Assert.Equal((16 * 1024 * 1024, false, true), (o.MaxMessageSize, o.EnableResultStream, o.CaptureWorkerOutput));
        Assert.Equal(TimeSpan.FromMilliseconds(100), o.ProgressInterval);
        Assert.Null(o.WorkerCommand);
        Assert.Equal(MpmsExecutionMode.Processes, o.ExecutionMode);
        Assert.Empty(o.GracefulDieExceptions);
        Assert.Empty(o.WorkerEnvironment);
        Assert.Empty(o.Meta);
        Assert.Equal((1, TimeSpan.FromSeconds(2), MpmsBackoffType.Exponential, false, (TimeSpan?)null), (o.Retry.MaxAttempts, o.Retry.Delay, o.Retry.BackoffType, o.Retry.UseJitter, o.Retry.MaxDelay));
        Assert.Empty(o.Retry.ExceptionTypes);
        Assert.Null(o.Retry.ShouldRetry);
        Assert.Equal((TimeSpan.FromSeconds(10), 10_000), (o.PriorityAgingInterval, o.ScheduledCapacity));
    }

    [Fact]
    public async Task Bind_RetrySectionAndAddRetry_GiveThePoolsRetryPolicy()
    {
        ServiceCollection services = Services.New(new Dictionary<string, string?>
        {
            ["Mpms:Retry:MaxAttempts"] = "4",
            ["Mpms:Retry:Delay"] = "00:00:00.500",
            ["Mpms:Retry:BackoffType"] = "Linear",
            ["Mpms:Retry:UseJitter"] = "true",
            ["Mpms:Retry:MaxDelay"] = "00:00:10",
            ["Mpms:Retry:ExceptionTypes:0"] = "System.TimeoutException",
            ["Mpms:Retry:ExceptionTypes:1"] = "HttpRequestException",
            ["Mpms:PriorityAgingInterval"] = "00:00:30",
            ["Mpms:ScheduledCapacity"] = "50",
        });
        Func<MpmsWorkerException, bool> predicate = failure => failure.Message != "no";
        services.AddMpms<ThumbWorker>().AddRetry(r => r.ShouldRetry = predicate);

        await using ServiceProvider provider = services.Build();
        MpmsOptions o = provider.GetRequiredService<IOptionsMonitor<MpmsOptions>>().Get(nameof(ThumbWorker));

        Assert.Equal((4, TimeSpan.FromMilliseconds(500), MpmsBackoffType.Linear, true, (TimeSpan?)TimeSpan.FromSeconds(10)), (o.Retry.MaxAttempts, o.Retry.Delay, o.Retry.BackoffType, o.Retry.UseJitter, o.Retry.MaxDelay));
        Assert.Equal(["System.TimeoutException", "HttpRequestException"], o.Retry.ExceptionTypes);
        Assert.Same(predicate, o.Retry.ShouldRetry);
        Assert.Equal((TimeSpan.FromSeconds(30), 50), (o.PriorityAgingInterval, o.ScheduledCapacity));
    }

    [Theory]
    [InlineData(1, 1, 33)]
    [InlineData(3, 4, 66)]
    [InlineData(8, 2, 78)]
    public async Task EffectiveQueueCapacity_NotSet_IsProcessesTimesThreadsTimesThreePlusThirty(int processes, int threads, int expected)
    {
        ServiceCollection services = Services.New(new Dictionary<string, string?>
        {
            ["Mpms:Processes"] = processes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mpms:ThreadsPerProcess"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        services.AddMpms<ThumbWorker>();

        await using ServiceProvider provider = services.Build();
        MpmsOptions o = provider.GetRequiredService<IOptionsMonitor<MpmsOptions>>().Get(nameof(ThumbWorker));

        Assert.Null(o.QueueCapacity);
        Assert.Equal(expected, o.EffectiveQueueCapacity);
    }

    [Fact]
    public async Task Bind_ThenConfigure_TheConfigureActionWins()
    {
        ServiceCollection services = Services.New(new Dictionary<string, string?>
        {
            ["Mpms:Processes"] = "3",
            ["Mpms:ThreadsPerProcess"] = "4",
            ["Mpms:GracefulDieExceptions:0"] = "From.Configuration",
        });
        services.AddMpms<ThumbWorker>(o =>
        {
            o.Processes = 9;
            o.GracefulDieExceptions.Add("From.Code");
        });

        await using ServiceProvider provider = services.Build();
        MpmsOptions o = provider.GetRequiredService<IOptionsMonitor<MpmsOptions>>().Get(nameof(ThumbWorker));

        Assert.Equal((9, 4), (o.Processes, o.ThreadsPerProcess));
        Assert.Equal(["From.Configuration", "From.Code"], o.GracefulDieExceptions);
    }

    [Fact]
    public async Task Bind_CustomSection_ReadsOnlyThatSection()
    {
        ServiceCollection services = Services.New(new Dictionary<string, string?>
        {
            ["Mpms:Processes"] = "3",
            ["Pools:Thumbs:Processes"] = "6",
            ["Pools:Thumbs:JobTimeout"] = "00:00:10",
        });
        services.AddMpms<ThumbWorker>(nameof(ThumbWorker), "Pools:Thumbs");

        await using ServiceProvider provider = services.Build();
        MpmsOptions o = provider.GetRequiredService<IOptionsMonitor<MpmsOptions>>().Get(nameof(ThumbWorker));

        Assert.Equal((6, TimeSpan.FromSeconds(10)), (o.Processes, o.JobTimeout));
    }

    [Fact]
    public async Task Bind_UnnamedOptions_AreNotThePools()
    {
        ServiceCollection services = Services.New(new Dictionary<string, string?> { ["Mpms:Processes"] = "97" });
        services.AddMpms<ThumbWorker>();

        await using ServiceProvider provider = services.Build();

        Assert.Equal(97, provider.GetRequiredService<IOptionsMonitor<MpmsOptions>>().Get(nameof(ThumbWorker)).Processes);
        Assert.Equal(Environment.ProcessorCount, provider.GetRequiredService<IOptions<MpmsOptions>>().Value.Processes);
    }
}
