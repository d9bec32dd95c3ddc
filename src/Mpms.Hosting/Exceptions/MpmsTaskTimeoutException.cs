namespace Mpms.Hosting;

/// <summary>A job ran past <see cref="MpmsOptions.TaskTimeout"/>.</summary>
public sealed class MpmsTaskTimeoutException : TimeoutException
{
    /// <summary>Initializes a new instance of the <see cref="MpmsTaskTimeoutException"/> class.</summary>
    public MpmsTaskTimeoutException()
        : this("The job ran past its timeout.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsTaskTimeoutException"/> class with a message.</summary>
    /// <param name="message">What timed out.</param>
    public MpmsTaskTimeoutException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsTaskTimeoutException"/> class with a message and a cause.</summary>
    /// <param name="message">What timed out.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public MpmsTaskTimeoutException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
