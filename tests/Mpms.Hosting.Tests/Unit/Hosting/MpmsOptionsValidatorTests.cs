using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Mpms.Hosting.Registration;
using Mpms.Hosting.Tests.Unit.DependencyInjection;

namespace Mpms.Hosting.Tests.Unit.Hosting;

public sealed class MpmsOptionsValidatorTests
{
    private const string Pool = "ThumbPool";

    /// <summary>One invalid value per case: the key it breaks and the words of the reason.</summary>
    private static readonly Dictionary<string, (Action<MpmsOptions> Apply, string Key, string Reason)> InvalidCases = new()
    {
        ["Processes=0"] = (o => o.Processes = 0, "Processes", "must be between 1 and 1024 (it is 0)"),
        ["Processes=-3"] = (o => o.Processes = -3, "Processes", "must be between 1 and 1024"),
        ["Processes=1025"] = (o => o.Processes = 1025, "Processes", "must be between 1 and 1024 (it is 1025)"),
        ["WarmSpares=-1"] = (o => o.WarmSpares = -1, "WarmSpares", "must be between 0 and Processes (it is -1)"),
        ["WarmSpares>Processes"] = (o => (o.Processes, o.WarmSpares) = (2, 3), "WarmSpares", "must be between 0 and Processes (it is 3)"),
        ["ThreadsPerProcess=0"] = (o => o.ThreadsPerProcess = 0, "ThreadsPerProcess", "must be between 1 and 4096"),
        ["ThreadsPerProcess=4097"] = (o => o.ThreadsPerProcess = 4097, "ThreadsPerProcess", "must be between 1 and 4096"),
        ["QueueCapacity=0"] = (o => o.QueueCapacity = 0, "QueueCapacity", "must be at least 1, or absent"),
        ["QueueCapacity=-1"] = (o => o.QueueCapacity = -1, "QueueCapacity", "must be at least 1"),
        ["Prefetch=-1"] = (o => o.Prefetch = -1, "Prefetch", "must not be negative"),
        ["MaxJobsPerThread=0"] = (o => o.MaxJobsPerThread = 0, "MaxJobsPerThread", "must be at least 1, or absent for no limit"),
        ["ThreadLifetime=0"] = (o => o.ThreadLifetime = TimeSpan.Zero, "ThreadLifetime", "must be positive, or absent"),
        ["ThreadLifetime<0"] = (o => o.ThreadLifetime = TimeSpan.FromSeconds(-1), "ThreadLifetime", "must be positive"),
        ["ProcessLifetime=0"] = (o => o.ProcessLifetime = TimeSpan.Zero, "ProcessLifetime", "must be positive, or absent"),
        ["JobTimeout=0"] = (o => o.JobTimeout = TimeSpan.Zero, "JobTimeout", "must be positive, or absent"),
        ["JobTimeout<0"] = (o => o.JobTimeout = TimeSpan.FromMilliseconds(-1), "JobTimeout", "must be positive"),
        ["JobTimeoutGrace<0"] = (o => o.JobTimeoutGrace = TimeSpan.FromTicks(-1), "JobTimeoutGrace", "must be between 0 and 24 days"),
        ["GracefulDieTimeout<0"] = (o => o.GracefulDieTimeout = TimeSpan.FromSeconds(-1), "GracefulDieTimeout", "must be between 0 and 24 days"),
        ["HeartbeatInterval=0"] = (o => o.HeartbeatInterval = TimeSpan.Zero, "HeartbeatInterval", "must be positive"),
        ["HeartbeatTimeout=Interval"] = (o => (o.HeartbeatInterval, o.HeartbeatTimeout) = (TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5)), "HeartbeatTimeout", "must be longer than HeartbeatInterval (00:00:05)"),
        ["HeartbeatTimeout<Interval"] = (o => o.HeartbeatTimeout = TimeSpan.FromMilliseconds(500), "HeartbeatTimeout", "must be longer than HeartbeatInterval"),
        ["StartTimeout=0"] = (o => o.StartTimeout = TimeSpan.Zero, "StartTimeout", "must be positive"),
        ["DrainTimeout<0"] = (o => o.DrainTimeout = TimeSpan.FromSeconds(-1), "DrainTimeout", "must be positive"),
        ["RestartDelay=0"] = (o => o.RestartDelay = TimeSpan.Zero, "RestartDelay", "must be positive"),
        ["MaxRestartDelay<RestartDelay"] = (o => (o.RestartDelay, o.MaxRestartDelay) = (TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(1)), "MaxRestartDelay", "must be between RestartDelay (00:00:02) and 24 days"),
        ["HealthQueueFullWindow=0"] = (o => o.HealthQueueFullWindow = TimeSpan.Zero, "HealthQueueFullWindow", "must be positive (it is 00:00:00)"),
        ["HealthQueueWaitLimit<0"] = (o => o.HealthQueueWaitLimit = TimeSpan.FromSeconds(-1), "HealthQueueWaitLimit", "must be positive"),
        ["OnWorkerLost=7"] = (o => o.OnWorkerLost = (MpmsWorkerLostPolicy)7, "OnWorkerLost", "must be Fail or Retry"),
        ["ExecutionMode=2"] = (o => o.ExecutionMode = (MpmsExecutionMode)2, "ExecutionMode", "must be Processes or InProcess (it is 2)"),
        ["MaxAttempts=0"] = (o => o.MaxAttempts = 0, "MaxAttempts", "must be at least 1"),
        ["MaxMessageSize=1023"] = (o => o.MaxMessageSize = 1023, "MaxMessageSize", "must be between 1024 and 1073741824 bytes"),
        ["MaxMessageSize=1GiB+1"] = (o => o.MaxMessageSize = (1024 * 1024 * 1024) + 1, "MaxMessageSize", "must be between 1024 and 1073741824 bytes"),
        ["ProgressInterval=0"] = (o => o.ProgressInterval = TimeSpan.Zero, "ProgressInterval", "must be positive and at most 24 days (it is 00:00:00)"),
        ["ProgressInterval<0"] = (o => o.ProgressInterval = TimeSpan.FromMilliseconds(-1), "ProgressInterval", "must be positive"),
        ["ProgressInterval=25 days"] = (o => o.ProgressInterval = TimeSpan.FromDays(25), "ProgressInterval", "at most 24 days"),
        ["GracefulDieExceptions=empty entry"] = (o => o.GracefulDieExceptions.Add(""), "GracefulDieExceptions", "must list full type names, not empty entries"),
        ["GracefulDieExceptions=blank entry"] = (o => { o.GracefulDieExceptions.Add("System.TimeoutException"); o.GracefulDieExceptions.Add("  "); }, "GracefulDieExceptions", "not empty entries"),
        ["Retry:MaxAttempts=0"] = (o => o.Retry.MaxAttempts = 0, "Retry:MaxAttempts", "must be between 1 and 100 (it is 0)"),
        ["Retry:MaxAttempts=101"] = (o => o.Retry.MaxAttempts = 101, "Retry:MaxAttempts", "must be between 1 and 100"),
        ["Retry:Delay<0"] = (o => o.Retry.Delay = TimeSpan.FromSeconds(-1), "Retry:Delay", "must be between 0 and 1 day"),
        ["Retry:Delay>1day"] = (o => o.Retry.Delay = TimeSpan.FromDays(2), "Retry:Delay", "must be between 0 and 1 day"),
        ["Retry:BackoffType=9"] = (o => o.Retry.BackoffType = (MpmsBackoffType)9, "Retry:BackoffType", "must be Constant, Linear or Exponential"),
        ["Retry:MaxDelay<Delay"] = (o => o.Retry.MaxDelay = TimeSpan.FromSeconds(1), "Retry:MaxDelay", "must be between Delay (00:00:02) and 1 day"),
        ["Retry:ExceptionTypes=blank entry"] = (o => o.Retry.ExceptionTypes.Add(" "), "Retry:ExceptionTypes", "not empty entries"),
        ["PriorityAgingInterval=0"] = (o => o.PriorityAgingInterval = TimeSpan.Zero, "PriorityAgingInterval", "must be between 1 millisecond and 1 day"),
        ["PriorityAgingInterval>1day"] = (o => o.PriorityAgingInterval = TimeSpan.FromDays(1) + TimeSpan.FromTicks(1), "PriorityAgingInterval", "must be between 1 millisecond and 1 day"),
        ["ScheduledCapacity=0"] = (o => o.ScheduledCapacity = 0, "ScheduledCapacity", "must be at least 1 (it is 0)"),
        ["WorkerCommand=blank"] = (o => o.WorkerCommand = "   ", "WorkerCommand", "must name an existing program"),
        ["WorkerCommand=missing path"] = (o => o.WorkerCommand = Path.Combine(Path.GetTempPath(), $"no-such-worker-{Guid.NewGuid():N}"), "WorkerCommand", "must name an existing program"),
    };

    /// <summary>One valid value per rule, at or next to its limit.</summary>
    private static readonly Dictionary<string, Action<MpmsOptions>> ValidCases = new()
    {
        ["Processes=1"] = o => o.Processes = 1,
        ["Processes=1024"] = o => o.Processes = 1024,
        ["WarmSpares=Processes"] = o => (o.Processes, o.WarmSpares) = (2, 2),
        ["ThreadsPerProcess=1"] = o => o.ThreadsPerProcess = 1,
        ["ThreadsPerProcess=4096"] = o => o.ThreadsPerProcess = 4096,
        ["QueueCapacity=null"] = o => o.QueueCapacity = null,
        ["QueueCapacity=1"] = o => o.QueueCapacity = 1,
        ["Prefetch=0"] = o => o.Prefetch = 0,
        ["Prefetch=100"] = o => o.Prefetch = 100,
        ["MaxJobsPerThread=1"] = o => o.MaxJobsPerThread = 1,
        ["ThreadLifetime=1tick"] = o => o.ThreadLifetime = TimeSpan.FromTicks(1),
        ["ProcessLifetime=1h"] = o => o.ProcessLifetime = TimeSpan.FromHours(1),
        ["JobTimeout=1ms"] = o => o.JobTimeout = TimeSpan.FromMilliseconds(1),
        ["JobTimeoutGrace=0"] = o => o.JobTimeoutGrace = TimeSpan.Zero,
        ["GracefulDieTimeout=0"] = o => o.GracefulDieTimeout = TimeSpan.Zero,
        ["HeartbeatInterval=1ms"] = o => o.HeartbeatInterval = TimeSpan.FromMilliseconds(1),
        ["HeartbeatTimeout=Interval+1tick"] = o => (o.HeartbeatInterval, o.HeartbeatTimeout) = (TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5) + TimeSpan.FromTicks(1)),
        ["StartTimeout=1ms"] = o => o.StartTimeout = TimeSpan.FromMilliseconds(1),
        ["DrainTimeout=1ms"] = o => o.DrainTimeout = TimeSpan.FromMilliseconds(1),
        ["RestartDelay=MaxRestartDelay"] = o => (o.RestartDelay, o.MaxRestartDelay) = (TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(3)),
        ["HealthQueueFullWindow=1tick"] = o => o.HealthQueueFullWindow = TimeSpan.FromTicks(1),
        ["HealthQueueWaitLimit=1tick"] = o => o.HealthQueueWaitLimit = TimeSpan.FromTicks(1),
        ["OnWorkerLost=Retry"] = o => o.OnWorkerLost = MpmsWorkerLostPolicy.Retry,
        ["ExecutionMode=InProcess"] = o => o.ExecutionMode = MpmsExecutionMode.InProcess,
        ["MaxAttempts=1"] = o => o.MaxAttempts = 1,
        ["MaxMessageSize=1024"] = o => o.MaxMessageSize = 1024,
        ["MaxMessageSize=1GiB"] = o => o.MaxMessageSize = 1024 * 1024 * 1024,
        ["ProgressInterval=1tick"] = o => o.ProgressInterval = TimeSpan.FromTicks(1),
        ["ProgressInterval=24 days"] = o => o.ProgressInterval = TimeSpan.FromDays(24),
        ["GracefulDieExceptions=names"] = o => o.GracefulDieExceptions.Add("System.TimeoutException"),
        ["Retry:MaxAttempts=100"] = o => o.Retry.MaxAttempts = 100,
        ["Retry:Delay=0"] = o => o.Retry.Delay = TimeSpan.Zero,
        ["Retry:MaxDelay=Delay"] = o => o.Retry.MaxDelay = o.Retry.Delay,
        ["Retry:ExceptionTypes=names"] = o => o.Retry.ExceptionTypes.Add("TimeoutException"),
        ["PriorityAgingInterval=1ms"] = o => o.PriorityAgingInterval = TimeSpan.FromMilliseconds(1),
        ["ScheduledCapacity=1"] = o => o.ScheduledCapacity = 1,
        ["WorkerCommand=bare program name"] = o => o.WorkerCommand = "my-worker",
        ["WorkerCommand=existing path"] = o => o.WorkerCommand = Environment.ProcessPath,
        ["WorkerCommand=null"] = o => o.WorkerCommand = null,
    };

    public static TheoryData<string> Invalid => new(InvalidCases.Keys);

    public static TheoryData<string> Valid => new(ValidCases.Keys);

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        ValidateOptionsResult result = new MpmsOptionsValidator(Pool, "Mpms").Validate(Pool, new MpmsOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Validate_InvalidValue_FailsNamingOnlyThatKeyWithItsReason(string name)
    {
        (Action<MpmsOptions> apply, string key, string reason) = InvalidCases[name];
        var options = new MpmsOptions();
        apply(options);

        ValidateOptionsResult result = new MpmsOptionsValidator(Pool, "Mpms").Validate(Pool, options);

        Assert.True(result.Failed);
        Assert.Equal($"Invalid options for pool '{Pool}'", result.Failures!.First());
        string failure = Assert.Single(result.Failures!.Skip(1));
        Assert.StartsWith($"Mpms:{key} ", failure, StringComparison.Ordinal);
        Assert.Contains(reason, failure, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void Validate_ValidValue_Succeeds(string name)
    {
        var options = new MpmsOptions();
        ValidCases[name](options);

        ValidateOptionsResult result = new MpmsOptionsValidator(Pool, "Mpms").Validate(Pool, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("HeartbeatInterval")]
    [InlineData("GracefulDieTimeout")]
    public void Validate_DurationLongerThanATimerCanWait_Fails(string key)
    {
        // Timers and delays take at most 2^32 - 2 ms (about 49.7 days): a worker given more throws when it starts its
        // heartbeat timer, or when it begins to die gracefully, instead of the host saying which key is wrong.
        var options = new MpmsOptions();
        TimeSpan tooLong = TimeSpan.FromDays(60);
        if (key == "HeartbeatInterval")
        {
            (options.HeartbeatInterval, options.HeartbeatTimeout) = (tooLong, tooLong * 2);
        }
        else
        {
            options.GracefulDieTimeout = tooLong;
        }

        ValidateOptionsResult result = new MpmsOptionsValidator(Pool, "Mpms").Validate(Pool, options);

        Assert.True(result.Failed, $"Mpms:{key} of 60 days passed validation.");
        Assert.Contains($"Mpms:{key}", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralInvalidKeys_OneFailureListsEveryOne()
    {
        var options = new MpmsOptions { Processes = 0, ThreadsPerProcess = -1, Prefetch = -2, MaxMessageSize = 10, MaxAttempts = 0 };

        ValidateOptionsResult result = new MpmsOptionsValidator(Pool, "Mpms").Validate(Pool, options);

        Assert.True(result.Failed);
        Assert.Equal(
            ["Mpms:Processes", "Mpms:ThreadsPerProcess", "Mpms:Prefetch", "Mpms:MaxAttempts", "Mpms:MaxMessageSize"],
            result.Failures!.Skip(1).Select(f => f[..f.IndexOf(' ', StringComparison.Ordinal)]));
        Assert.Contains("Mpms:ThreadsPerProcess must be between 1 and 4096 (it is -1).", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CustomSectionPath_NamesKeysUnderThatPath()
    {
        var options = new MpmsOptions { Processes = 0 };

        ValidateOptionsResult result = new MpmsOptionsValidator(Pool, "Pools:Thumbs").Validate(Pool, options);

        Assert.Contains("Pools:Thumbs:Processes must be between 1 and 1024 (it is 0).", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OtherPool")]
    [InlineData("thumbpool")]
    [InlineData("")]
    [InlineData(null)]
    public void Validate_OptionsOfAnotherPool_AreSkipped(string? name)
    {
        var options = new MpmsOptions { Processes = 0, ThreadsPerProcess = 0 };

        ValidateOptionsResult result = new MpmsOptionsValidator(Pool, "Mpms").Validate(name, options);

        Assert.True(result.Skipped);
    }

    [Fact]
    public async Task StartAsync_InvalidOptions_ThrowsNamingBothKeysBeforeStartingAnything()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        var earlier = new RecordingHostedService();
        builder.Services.AddSingleton<IHostedService>(earlier);
        builder.Services.AddMpms<ThumbWorker>(o =>
        {
            o.Processes = 0;
            o.ThreadsPerProcess = -1;

            // Should validation ever let these options through, no copy of the test host is started as a worker.
            o.WorkerCommand = "mpms-unit-no-such-worker";
        });
        using IHost host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(nameof(ThumbWorker), ex.OptionsName);
        Assert.Contains("Mpms:Processes must be between 1 and 1024 (it is 0)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Mpms:ThreadsPerProcess must be between 1 and 4096 (it is -1)", ex.Message, StringComparison.Ordinal);
        Assert.False(earlier.Started, "A hosted service started although the options were invalid.");
    }

    [Fact]
    public async Task StartAsync_OnePoolInvalid_NamesOnlyThatPoolsKeys()
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder();
        builder.Services.AddMpms<ThumbWorker>(nameof(ThumbWorker), "Pools:Thumbs").Configure(o => (o.Processes, o.WorkerCommand) = (1, "mpms-unit-no-such-worker"));
        builder.Services.AddMpms<MailWorker>(nameof(MailWorker), "Pools:Mail").Configure(o => (o.Prefetch, o.WorkerCommand) = (-1, "mpms-unit-no-such-worker"));
        using IHost host = builder.Build();

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(nameof(MailWorker), ex.OptionsName);
        Assert.Equal(["Invalid options for pool 'MailWorker'", "Pools:Mail:Prefetch must not be negative, or absent for the default (it is -1)."], ex.Failures);
    }

    private sealed class RecordingHostedService : IHostedService
    {
        public bool Started { get; private set; }

        public Task StartAsync(CancellationToken cancellationToken)
        {
            Started = true;
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
