using System.Buffers;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// How a link starts, both sides of it: the worker says hello with its one-time secret, the application checks it and
/// answers with the pool's settings (the application stays the one source of truth for options).
/// </summary>
internal static class Handshake
{
    /// <summary>The largest hello the application reads: a secret and two numbers.</summary>
    public const int MaxHelloSize = 4096;

    private const int MaxWelcomeSize = 64 * 1024;

    /// <summary>Worker side: says hello and waits for the pool's settings.</summary>
    /// <exception cref="MpmsProtocolException">The application answered with something else, or closed the link.</exception>
    /// <exception cref="OperationCanceledException">No answer within <paramref name="timeout"/>.</exception>
    public static async Task<WorkerSettings> GreetAsync(Link link, string secret, TimeSpan timeout)
    {
        link.Outbox.Post(ControlMessages.Hello(new HelloMessage(secret, Environment.ProcessId, ControlMessages.ProtocolVersion)));
        using var deadline = new CancellationTokenSource(timeout, link.Time);
        (FrameType type, byte[] body) = await link.ReadOneAsync(MaxWelcomeSize, deadline.Token).ConfigureAwait(false);
        return type == FrameType.Welcome
            ? ControlMessages.ReadJson<WorkerSettings>(new ReadOnlySequence<byte>(body))
            : throw new MpmsProtocolException($"Expected a welcome, got {type}.");
    }

    /// <summary>Application side: reads the hello and checks its form and version (not yet whose secret it is).</summary>
    /// <exception cref="MpmsProtocolException">The first frame is not a valid hello of this protocol version.</exception>
    /// <exception cref="OperationCanceledException">No hello before <paramref name="cancellationToken"/>.</exception>
    public static async Task<HelloMessage> ReadHelloAsync(Link link, CancellationToken cancellationToken)
    {
        (FrameType type, byte[] body) = await link.ReadOneAsync(MaxHelloSize, cancellationToken).ConfigureAwait(false);
        if (type != FrameType.Hello)
        {
            throw new MpmsProtocolException($"The first frame was {type}, not a hello.");
        }

        HelloMessage hello = ControlMessages.ReadJson<HelloMessage>(new ReadOnlySequence<byte>(body));
        if (string.IsNullOrEmpty(hello.Secret))
        {
            throw new MpmsProtocolException("The hello carries no secret.");
        }

        return hello.ProtocolVersion == ControlMessages.ProtocolVersion
            ? hello
            : throw new MpmsProtocolException($"Protocol version {hello.ProtocolVersion} is not {ControlMessages.ProtocolVersion}: the worker runs another version of Mpms.Hosting.");
    }

    /// <summary>Application side: answers an accepted hello with the pool's settings for this process.</summary>
    public static void Welcome(Link link, WorkerSettings settings) => link.Outbox.Post(ControlMessages.Welcome(settings));
}
