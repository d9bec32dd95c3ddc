namespace Mpms.Hosting.RabbitMQ.Tests.Infrastructure;

/// <summary>
/// Where the RabbitMQ server's own scripts are: the directory that holds <c>rabbitmq-server</c>, <c>rabbitmqctl</c>
/// and <c>rabbitmq-env</c> side by side.
/// </summary>
/// <remarks>
/// Debian's package puts them in /usr/lib/rabbitmq/bin and puts wrappers on the PATH (/usr/sbin) that switch to the
/// rabbitmq user and its system directories when run as root; the tests need the scripts themselves, run as the
/// current user with a directory of their own. A generic (tarball) install has them side by side in its sbin.
/// </remarks>
public sealed class RabbitMqInstallation
{
    private const string DebianScripts = "/usr/lib/rabbitmq/bin";

    private RabbitMqInstallation(string scriptsDirectory) => ScriptsDirectory = scriptsDirectory;

    /// <summary>The directory of the server's scripts.</summary>
    public string ScriptsDirectory { get; }

    /// <summary>The script that starts a node in the foreground.</summary>
    public string Server => Path.Combine(ScriptsDirectory, "rabbitmq-server");

    /// <summary>The command-line tool that talks to a running node.</summary>
    public string Ctl => Path.Combine(ScriptsDirectory, "rabbitmqctl");

    /// <summary>Finds the installed server, or fails saying how to install it.</summary>
    public static RabbitMqInstallation Find()
    {
        IEnumerable<string> onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, "rabbitmq-server"))
            .Where(File.Exists)
            .Select(file => Path.GetDirectoryName(File.ResolveLinkTarget(file, returnFinalTarget: true)?.FullName ?? file)!);

        foreach (string directory in onPath.Prepend(DebianScripts))
        {
            if (File.Exists(Path.Combine(directory, "rabbitmq-server"))
                && File.Exists(Path.Combine(directory, "rabbitmqctl"))
                && File.Exists(Path.Combine(directory, "rabbitmq-env")))
            {
                return new RabbitMqInstallation(directory);
            }
        }

        throw new InvalidOperationException(
            "RabbitMQ (the rabbitmq-server package) is not installed on this machine, and the RabbitMQ tests start a "
            + "broker node of their own. Run ./test.sh at the repository's root: it installs what the tests need "
            + "(with apt-get, as root or through sudo) and then runs the tests.");
    }
}
