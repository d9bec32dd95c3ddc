namespace Mpms.Hosting.Protocol;

/// <summary>How a job ended in the child, as the result frame says it.</summary>
internal enum WireStatus : byte
{
    Succeeded = 0,
    Failed = 1,
    TimedOut = 2,
    Canceled = 3,
}
