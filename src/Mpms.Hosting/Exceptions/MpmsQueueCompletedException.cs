namespace Mpms.Hosting;

/// <summary>
/// A job was put on a queue that accepts no more jobs: it was completed (<see cref="IMpmsPool.Complete"/>), or its host
/// is stopping or has stopped. Jobs accepted before still get their outcome.
/// </summary>
public sealed class MpmsQueueCompletedException : InvalidOperationException
{
    /// <summary>Initializes a new instance of the <see cref="MpmsQueueCompletedException"/> class.</summary>
    public MpmsQueueCompletedException()
        : this("The queue is completed: it accepts no more jobs.")
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsQueueCompletedException"/> class with a message.</summary>
    /// <param name="message">Which queue and why it accepts no more jobs.</param>
    public MpmsQueueCompletedException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsQueueCompletedException"/> class with a message and a cause.</summary>
    /// <param name="message">Which queue and why it accepts no more jobs.</param>
    /// <param name="innerException">The exception that caused this one.</param>
    public MpmsQueueCompletedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
