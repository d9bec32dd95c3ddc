namespace Mpms.Hosting;

/// <summary>How the delay before a retry grows from one attempt to the next (the names of Polly's <c>DelayBackoffType</c>).</summary>
public enum MpmsBackoffType
{
    /// <summary>Every retry waits <see cref="MpmsRetryOptions.Delay"/>.</summary>
    Constant,

    /// <summary>The retry after attempt <c>n</c> waits <c>n * Delay</c>.</summary>
    Linear,

    /// <summary>The retry after attempt <c>n</c> waits <c>Delay * 2^(n - 1)</c>.</summary>
    Exponential,
}
