using System.Buffers;

namespace Mpms.Hosting.Protocol;

/// <summary>A frame that can write itself, header and body, to a buffer: what a <see cref="FrameOutbox"/> sends.</summary>
internal interface IOutgoingFrame
{
    /// <summary>Writes the whole frame (length, type, body) to <paramref name="output"/>.</summary>
    void WriteTo(IBufferWriter<byte> output);
}
