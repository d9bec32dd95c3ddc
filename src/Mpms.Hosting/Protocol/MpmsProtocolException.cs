namespace Mpms.Hosting.Protocol;

/// <summary>The peer sent bytes that are not a valid frame; the connection must be closed.</summary>
internal sealed class MpmsProtocolException : Exception
{
    public MpmsProtocolException()
    {
    }

    public MpmsProtocolException(string message)
        : base(message)
    {
    }

    public MpmsProtocolException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
