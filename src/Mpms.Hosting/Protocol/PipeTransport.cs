using System.IO.Pipelines;

namespace Mpms.Hosting.Protocol;

/// <summary>A link's transport over in-memory pipes: both ends of a link in one process, for tests.</summary>
internal sealed class PipeTransport(PipeReader input, PipeWriter output) : ILinkTransport
{
    public PipeReader Input { get; } = input;

    public PipeWriter Output { get; } = output;

    /// <summary>Creates the two ends of one connection.</summary>
    public static (PipeTransport Left, PipeTransport Right) CreatePair()
    {
        var toRight = new Pipe();
        var toLeft = new Pipe();
        return (new PipeTransport(toLeft.Reader, toRight.Writer), new PipeTransport(toRight.Reader, toLeft.Writer));
    }

    public void Abort()
    {
        Input.CancelPendingRead();
        Output.CancelPendingFlush();
    }

    public async ValueTask DisposeAsync()
    {
        await Output.CompleteAsync().ConfigureAwait(false);
        await Input.CompleteAsync().ConfigureAwait(false);
    }
}
