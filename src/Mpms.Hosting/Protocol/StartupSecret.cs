using System.Security.Cryptography;
using System.Text;

namespace Mpms.Hosting.Protocol;

/// <summary>
/// The one-time secret a worker process proves itself with. It travels on the worker's standard input, one line, and
/// nowhere else: a process's environment and command line stay readable in <c>/proc/&lt;pid&gt;</c> for its whole life,
/// its standard input is read once and gone.
/// </summary>
internal static class StartupSecret
{
    /// <summary>The length of a secret: 32 random bytes in hexadecimal.</summary>
    public const int Length = 64;

    public static string New() => Convert.ToHexString(RandomNumberGenerator.GetBytes(Length / 2));

    /// <summary>Application side: writes the secret to the worker's standard input and closes it.</summary>
    public static void Send(TextWriter input, string secret)
    {
        input.Write(secret);
        input.Write('\n');
        input.Flush();
        input.Close();
    }

    /// <summary>Worker side: reads the secret from standard input.</summary>
    /// <exception cref="InvalidOperationException">There is no secret: the process was not started by a pool.</exception>
    public static async Task<string> ReceiveAsync(Stream input, CancellationToken cancellationToken)
    {
        byte[] line = new byte[Length + 1];
        int read = 0;
        while (read < line.Length)
        {
            int count = await input.ReadAsync(line.AsMemory(read), cancellationToken).ConfigureAwait(false);
            if (count == 0)
            {
                break;
            }

            read += count;
            if (line[read - 1] == (byte)'\n')
            {
                break;
            }
        }

        string secret = Encoding.ASCII.GetString(line, 0, read).TrimEnd('\n');
        return secret.Length == Length && secret.All(char.IsAsciiHexDigit)
            ? secret
            : throw new InvalidOperationException("No start-up secret arrived on standard input: this process was not started by an Mpms.Hosting pool.");
    }
}
