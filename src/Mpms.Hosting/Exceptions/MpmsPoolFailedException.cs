namespace Mpms.Hosting;

/// <summary>
/// The pool has failed: its worker processes failed to start more than <see cref="MpmsOptions.MaxRestarts"/> times
/// within <see cref="MpmsOptions.RestartWindow"/>. Puts fail fast with this exception and waiting jobs end with it,
/// until a probe start succeeds and the pool recovers by itself.
/// </summary>
public sealed class MpmsPoolFailedException : MpmsException
{
    /// <summary>Initializes a new instance of the <see cref="MpmsPoolFailedException"/> class.</summary>
    public MpmsPoolFailedException()
        : this("The pool has failed: its worker processes cannot start.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsPoolFailedException"/> class with a message.</summary>
    /// <param name="message">Which pool failed and why.</param>
    public MpmsPoolFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsPoolFailedException"/> class with a message and a cause.</summary>
    /// <param name="message">Which pool failed and why.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public MpmsPoolFailedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
