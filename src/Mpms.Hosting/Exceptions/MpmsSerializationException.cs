namespace Mpms.Hosting;

/// <summary>A job or a result could not be serialised for the trip between processes.</summary>
public sealed class MpmsSerializationException : MpmsException
{
    /// <summary>Initializes a new instance of the <see cref="MpmsSerializationException"/> class.</summary>
    public MpmsSerializationException()
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsSerializationException"/> class with a message.</summary>
    /// <param name="message">What could not be serialised and why.</param>
    public MpmsSerializationException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="MpmsSerializationException"/> class with a message and a cause.</summary>
    /// <param name="message">What could not be serialised and why.</param>
    /// <param name="innerException">The serializer's exception.</param>
    public MpmsSerializationException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
