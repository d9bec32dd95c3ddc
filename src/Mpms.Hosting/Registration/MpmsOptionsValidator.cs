using Microsoft.Extensions.Options;

namespace Mpms.Hosting.Registration;

/// <summary>
/// Validates one pool's options when the host starts, and names every invalid key with its configuration path and the
/// reason, in one error.
/// </summary>
internal sealed class MpmsOptionsValidator(string poolName, string sectionPath) : IValidateOptions<MpmsOptions>
{
    private const int MaxProcesses = 1024;
    private const int MaxThreads = 4096;

    // Timers and delays wait at most int.MaxValue milliseconds (about 24.8 days).
    private static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(int.MaxValue);

    public ValidateOptionsResult Validate(string? name, MpmsOptions options)
    {
        if (!string.Equals(name, poolName, StringComparison.Ordinal))
        {
            return ValidateOptionsResult.Skip;
        }

        var errors = new List<string>();
        void Check(bool valid, string key, string rule, object? value)
        {
            if (!valid)
            {
                errors.Add($"{sectionPath}:{key} {rule} (it is {value ?? "null"}).");
            }
        }

        Check(options.Processes is >= 1 and <= MaxProcesses, nameof(options.Processes), $"must be between 1 and {MaxProcesses}", options.Processes);
        Check(options.WarmSpares >= 0 && options.WarmSpares <= Math.Max(options.Processes, 0), nameof(options.WarmSpares), "must be between 0 and Processes", options.WarmSpares);
        Check(options.ThreadsPerProcess is >= 1 and <= MaxThreads, nameof(options.ThreadsPerProcess), $"must be between 1 and {MaxThreads}", options.ThreadsPerProcess);
        Check(options.QueueCapacity is null or >= 1, nameof(options.QueueCapacity), "must be at least 1, or absent for the default", options.QueueCapacity);
        Check(options.Prefetch is null or >= 0, nameof(options.Prefetch), "must not be negative, or absent for the default", options.Prefetch);
        Check(options.MaxJobsPerThread is null or >= 1, nameof(options.MaxJobsPerThread), "must be at least 1, or absent for no limit", options.MaxJobsPerThread);
        CheckOptionalPositive(options.ThreadLifetime, nameof(options.ThreadLifetime));
        CheckOptionalPositive(options.ProcessLifetime, nameof(options.ProcessLifetime));
        CheckOptionalPositive(options.JobTimeout, nameof(options.JobTimeout));
        Check(options.JobTimeoutGrace >= TimeSpan.Zero && options.JobTimeoutGrace <= MaxWait, nameof(options.JobTimeoutGrace), "must be between 0 and 24 days", options.JobTimeoutGrace);
        Check(options.GracefulDieTimeout >= TimeSpan.Zero && options.GracefulDieTimeout <= MaxWait, nameof(options.GracefulDieTimeout), "must be between 0 and 24 days", options.GracefulDieTimeout);
        Check(options.HeartbeatInterval > TimeSpan.Zero && options.HeartbeatInterval <= MaxWait, nameof(options.HeartbeatInterval), "must be positive and at most 24 days", options.HeartbeatInterval);
        Check(options.HeartbeatTimeout > options.HeartbeatInterval, nameof(options.HeartbeatTimeout), $"must be longer than HeartbeatInterval ({options.HeartbeatInterval})", options.HeartbeatTimeout);
        Check(options.StartTimeout > TimeSpan.Zero, nameof(options.StartTimeout), "must be positive", options.StartTimeout);
        Check(options.DrainTimeout > TimeSpan.Zero, nameof(options.DrainTimeout), "must be positive", options.DrainTimeout);
        Check(options.RestartDelay > TimeSpan.Zero && options.RestartDelay <= MaxWait, nameof(options.RestartDelay), "must be positive and at most 24 days", options.RestartDelay);
        Check(options.MaxRestartDelay >= options.RestartDelay && options.MaxRestartDelay <= MaxWait, nameof(options.MaxRestartDelay), $"must be between RestartDelay ({options.RestartDelay}) and 24 days", options.MaxRestartDelay);
        Check(options.MaxRestarts >= 1, nameof(options.MaxRestarts), "must be at least 1", options.MaxRestarts);
        Check(options.RestartWindow > TimeSpan.Zero, nameof(options.RestartWindow), "must be positive", options.RestartWindow);
        Check(options.HealthQueueFullWindow > TimeSpan.Zero, nameof(options.HealthQueueFullWindow), "must be positive", options.HealthQueueFullWindow);
        Check(options.HealthQueueWaitLimit > TimeSpan.Zero, nameof(options.HealthQueueWaitLimit), "must be positive", options.HealthQueueWaitLimit);
        Check(Enum.IsDefined(options.OnWorkerLost), nameof(options.OnWorkerLost), "must be Fail or Retry", options.OnWorkerLost);
        Check(Enum.IsDefined(options.ExecutionMode), nameof(options.ExecutionMode), "must be Processes or InProcess", options.ExecutionMode);
        Check(options.MaxMemoryPerProcess is null or >= 1024 * 1024, nameof(options.MaxMemoryPerProcess), "must be at least 1048576 bytes, or absent for no limit", options.MaxMemoryPerProcess);
        Check(options.MaxAttempts >= 1, nameof(options.MaxAttempts), "must be at least 1", options.MaxAttempts);
        Check(options.PriorityAgingInterval >= TimeSpan.FromMilliseconds(1) && options.PriorityAgingInterval <= TimeSpan.FromDays(1), nameof(options.PriorityAgingInterval), "must be between 1 millisecond and 1 day", options.PriorityAgingInterval);
        Check(options.ScheduledCapacity >= 1, nameof(options.ScheduledCapacity), "must be at least 1", options.ScheduledCapacity);
        options.Retry.Validate($"{sectionPath}:{nameof(options.Retry)}:", errors);
        Check(options.MaxMessageSize is >= 1024 and <= 1024 * 1024 * 1024, nameof(options.MaxMessageSize), "must be between 1024 and 1073741824 bytes", options.MaxMessageSize);
        Check(options.ProgressInterval > TimeSpan.Zero && options.ProgressInterval <= MaxWait, nameof(options.ProgressInterval), "must be positive and at most 24 days", options.ProgressInterval);
        Check(options.GracefulDieExceptions.All(t => !string.IsNullOrWhiteSpace(t)), nameof(options.GracefulDieExceptions), "must list full type names, not empty entries", string.Join(",", options.GracefulDieExceptions));
        if (options.WorkerCommand is { } command)
        {
            bool isPath = command.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) || command.Contains(Path.AltDirectorySeparatorChar, StringComparison.Ordinal);
            Check(!string.IsNullOrWhiteSpace(command) && (!isPath || File.Exists(command)), nameof(options.WorkerCommand), "must name an existing program", command);
        }

        return errors.Count == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(errors.Prepend($"Invalid options for pool '{poolName}'"));

        void CheckOptionalPositive(TimeSpan? value, string key) =>
            Check(value is null || value > TimeSpan.Zero, key, "must be positive, or absent for no limit", value);
    }
}
