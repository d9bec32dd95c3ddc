namespace Mpms.Hosting;

/// <summary>The base of the exceptions that the pool reports as a job's outcome or a usage error.</summary>
public class MpmsException : Exception
{
    /// <summary>Initializes a new instance of the <see cref="MpmsException"/> class.</summary>
    public MpmsException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsException"/> class with a message.</summary>
    /// <param name="message">What went wrong.</param>
    public MpmsException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsException"/> class with a message and a cause.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public MpmsException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
