using Mpms.Hosting;
using Mpms.Hosting.Benchmarks;

// One command prints one table: scenario, figure, unit, target. `--smoke` runs every scenario at a tiny size (the
// test suite does, so the harness cannot rot); `--only <text>` runs the scenarios whose name contains the text;
// `--broker` adds the scenarios through a RabbitMQ broker (`--broker --only broker` runs only those); `--worker-env
// NAME=VALUE` (repeatable) sets a variable in every benchmark pool's workers, to compare runtime settings of workers.
if (MpmsEnvironment.IsWorkerProcess)
{
    await BenchmarkPools.RunWorkerAsync(args);
    return 0;
}

if (args.Length > 0 && args[0] == BareSocket.EchoArgument)
{
    await BareSocket.RunEchoServerAsync(args[1]);
    return 0;
}

for (int i = Array.IndexOf(args, "--worker-env"); i >= 0 && i + 1 < args.Length; i = Array.IndexOf(args, "--worker-env", i + 2))
{
    string[] pair = args[i + 1].Split('=', 2);
    BenchmarkPools.WorkerEnvironment[pair[0]] = pair.Length > 1 ? pair[1] : "";
}

var settings = new BenchmarkSettings(Smoke: args.Contains("--smoke"), Only: ArgumentAfter(args, "--only"));
var report = new Report();
Console.WriteLine($"Mpms.Hosting benchmarks — {Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}{(settings.Smoke ? ", smoke sizes" : "")}");
await Scenarios.RunAsync(settings, report);
if (args.Contains("--broker"))
{
    // Opt-in: it needs rabbitmq-server installed (./test.sh installs it) and starts a broker node for the run.
    await BrokerScenarios.RunAsync(settings, report);
}

report.Print(Console.Out);
return 0;

static string? ArgumentAfter(string[] args, string name)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
