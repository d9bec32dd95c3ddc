namespace Mpms.Hosting;

/// <summary>
/// What the runtime that runs a job tells its <see cref="MpmsJobContext"/> about it, read only when the worker asks (the
/// job's id is a string made on demand).
/// </summary>
internal interface IJobDescription
{
    string JobId { get; }

    int Attempt { get; }

    DateTimeOffset EnqueuedAt { get; }
}
