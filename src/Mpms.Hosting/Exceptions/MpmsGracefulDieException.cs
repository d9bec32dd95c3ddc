namespace Mpms.Hosting;

/// <summary>
/// Thrown by a worker to say that its process is no longer healthy (the original MPMS's <c>WorkerGracefulDie</c>):
/// every thread of the process stops taking jobs, the process exits within
/// <see cref="MpmsOptions.GracefulDieTimeout"/> and is replaced. The exception is still the job's outcome.
/// </summary>
/// <remarks>Other exception types can have the same effect: list them in <see cref="MpmsOptions.GracefulDieExceptions"/>.</remarks>
public sealed class MpmsGracefulDieException : MpmsException
{
    /// <summary>Initializes a new instance of the <see cref="MpmsGracefulDieException"/> class.</summary>
    public MpmsGracefulDieException()
        : this("The worker asked its process to die gracefully.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsGracefulDieException"/> class with a message.</summary>
    /// <param name="message">Why the process must go.</param>
    public MpmsGracefulDieException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsGracefulDieException"/> class with a message and a cause.</summary>
    /// <param name="message">Why the process must go.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public MpmsGracefulDieException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
