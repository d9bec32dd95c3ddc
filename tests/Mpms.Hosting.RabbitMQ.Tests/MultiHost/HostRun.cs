namespace Mpms.Hosting.RabbitMQ.Tests.MultiHost;

/// <summary>
/// The hosts of one multi-host test, on one broker under a prefix of their own; ends every process it started when
/// disposed (each host's group: the host and its workers).
/// </summary>
internal sealed class HostRun : IDisposable
{
    private readonly List<HostProcess> _hosts = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("mpms-hosts-").FullName;

    public HostRun(Uri broker, IReadOnlyDictionary<string, string>? settings = null)
    {
        Settings = new Dictionary<string, string>
        {
            ["Mpms__RabbitMq__Uri"] = broker.ToString(),
            ["Mpms__RabbitMq__Prefix"] = "t" + Guid.NewGuid().ToString("N")[..12],
            ["Mpms__Processes"] = "1",
            ["Mpms__ThreadsPerProcess"] = "2",
        };
        foreach ((string key, string value) in settings ?? new Dictionary<string, string>())
        {
            Settings[key] = value;
        }
    }

    public Dictionary<string, string> Settings { get; }

    public string OutcomesFile => Path.Combine(_directory, "outcomes.txt");

    /// <summary>The file a host's workers append the number of every job they start to.</summary>
    public string StartedFile(string host) => Path.Combine(_directory, host + ".started");

    /// <summary>Starts a host that only consumes, and waits until it is ready.</summary>
    public async Task<HostProcess> StartConsumerAsync(string name, TimeSpan patience, IReadOnlyDictionary<string, string>? extra = null)
    {
        HostProcess host = Start(name, extra, []);
        await host.WaitForLineAsync(line => line == "ready", patience);
        return host;
    }

    /// <summary>Starts the host that puts <paramref name="jobs"/> jobs (it consumes too), and waits until it is ready.</summary>
    public async Task<HostProcess> StartPutterAsync(string name, int jobs, int sleepMs, TimeSpan patience, IReadOnlyDictionary<string, string>? extra = null)
    {
        HostProcess host = Start(name, extra, ["--put", jobs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--sleep-ms", sleepMs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", OutcomesFile]);
        await host.WaitForLineAsync(line => line == "ready", patience);
        return host;
    }

    /// <summary>The outcomes the putting host wrote: one line per outcome, "n status host attempt".</summary>
    public IReadOnlyList<(int N, string Status, string Host, int Attempt)> ReadOutcomes() =>
        [.. File.ReadAllLines(OutcomesFile).Select(line => line.Split(' ')).Select(f => (int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), f[1], f[2], int.Parse(f[3], System.Globalization.CultureInfo.InvariantCulture)))];

    /// <summary>How many jobs a host's workers have started so far.</summary>
    public int StartedCount(string host) => File.Exists(StartedFile(host)) ? File.ReadAllLines(StartedFile(host)).Length : 0;

    public void Dispose()
    {
        foreach (HostProcess host in _hosts)
        {
            host.Dispose();
        }

        Assert.All(_hosts, host => Assert.False(host.GroupAlive(), $"A process of host {host.Name} is still running."));
        Directory.Delete(_directory, recursive: true);
    }

    private HostProcess Start(string name, IReadOnlyDictionary<string, string>? extra, string[] arguments)
    {
        var settings = new Dictionary<string, string>(Settings) { ["TESTHOST_STARTED"] = StartedFile(name) };
        foreach ((string key, string value) in extra ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        HostProcess host = HostProcess.Start(name, settings, arguments);
        _hosts.Add(host);
        return host;
    }
}
