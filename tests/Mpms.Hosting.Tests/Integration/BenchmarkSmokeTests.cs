using System.Diagnostics;
using System.Globalization;

namespace Mpms.Hosting.Tests.Integration;

/// <summary>Runs every benchmark scenario at a tiny size, so the harness cannot rot. It asserts what ran, never how fast.</summary>
[Collection(IntegrationCollection.Name)]
public sealed class BenchmarkSmokeTests
{
    private static readonly string[] Scenarios =
    [
        "throughput, trivial, PutAsync + collector, 2×2, default options",
        "throughput, trivial, PutAsync + collector, 2×2, prefetch 0",
        "throughput, trivial, 256 concurrent RunAsync, 2×2",
        "throughput, trivial, RunManyAsync (bulk), 2×2, default options",
        "application-side allocation per job, RunManyAsync (bulk)",
        "application-side allocation per job, PutAsync + collector, default options",
        "in-process baseline",
        "round trip, RunAsync, p50",
        "bare socket round trip (16 B, two processes), p50",
        "ratio pool round trip / bare socket, p50",
        "I/O-bound efficiency, 10 ms jobs, 2×20, prefetch 0",
        "CPU-bound speed-up, 1 → 2 processes",
        "pool of 2 processes ready, from host start",
        "killed process replaced and ready",
        "worker process CPU time from its start to ready",
        "worker process just started, idle, resident set (RSS)",
        "worker process just started, idle, its own pages",
        "idle worker process after the jobs, resident set (RSS)",
        "idle worker process after the jobs, its own pages",
        "application-side allocation per job, PutAsync + awaited handle",
        "worker process CPU time per job",
    ];

    private static readonly string[] BrokerScenarios =
    [
        "broker: node started",
        "in-memory queue: throughput, trivial, 64 concurrent PutAsync + collector, 2×2",
        "broker: throughput, trivial, 64 concurrent PutAsync + collector, 1 host 2×2",
        "broker: throughput, the same, 2 hosts 2×2",
        "broker: round trip, RunAsync, 1×1, p50",
    ];

    [Fact]
    public Task Harness_SmokeRun_PrintsEveryScenarioWithAFigure() => SmokeRunAsync(["--smoke"], Scenarios);

    /// <summary>The scenarios through RabbitMQ, which start a broker node of their own (rabbitmq-server, as ./test.sh installs it).</summary>
    [Fact]
    public Task Harness_BrokerSmokeRun_PrintsEveryBrokerScenarioWithAFigure() => SmokeRunAsync(["--smoke", "--broker", "--only", "broker"], BrokerScenarios);

    private static async Task SmokeRunAsync(string[] arguments, string[] scenarios)
    {
        string program = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Mpms.Hosting.Benchmarks.exe" : "Mpms.Hosting.Benchmarks");
        using var process = Process.Start(new ProcessStartInfo(program, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {await errors}");
        string[] table = (await output).Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal)).ToArray();
        foreach (string scenario in scenarios)
        {
            string row = Assert.Single(table, l => l.Contains(scenario, StringComparison.Ordinal));
            string figure = row.Split('|')[2].Trim();
            Assert.True(double.TryParse(figure, NumberStyles.Any, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && value >= 0, $"{scenario}: '{figure}'");
        }
    }
}
