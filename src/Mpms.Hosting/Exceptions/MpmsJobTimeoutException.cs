namespace Mpms.Hosting;

/// <summary>A job ran past <see cref="MpmsOptions.JobTimeout"/>.</summary>
public sealed class MpmsJobTimeoutException : TimeoutException
{
    /// <summary>Initializes a new instance of the <see cref="MpmsJobTimeoutException"/> class.</summary>
    public MpmsJobTimeoutException()
        : this("The job ran past its timeout.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsJobTimeoutException"/> class with a message.</summary>
    /// <param name="message">What timed out.</param>
    public MpmsJobTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsJobTimeoutException"/> class with a message and a cause.</summary>
    /// <param name="message">What timed out.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public MpmsJobTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
