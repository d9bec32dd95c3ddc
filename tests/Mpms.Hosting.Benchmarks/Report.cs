namespace Mpms.Hosting.Benchmarks;

/// <summary>What a run asks for: full or smoke sizes, and an optional filter on scenario names.</summary>
public sealed record BenchmarkSettings(bool Smoke, string? Only)
{
    public bool Includes(string scenario) => Only is null || scenario.Contains(Only, StringComparison.OrdinalIgnoreCase);

    /// <summary>Full size, or a tiny one for smoke runs.</summary>
    public int Size(int full, int smoke = 20) => Smoke ? smoke : full;

    /// <summary>How many times a figure is measured; the report gives the median.</summary>
    public int Repeats => Smoke ? 1 : 3;
}

/// <summary>One line of the table.</summary>
public sealed record Row(string Scenario, double Figure, string Unit, string Target);

/// <summary>The table the one command prints.</summary>
public sealed class Report
{
    private readonly List<Row> _rows = [];

    public IReadOnlyList<Row> Rows => _rows;

    public void Add(string scenario, double figure, string unit, string target)
    {
        _rows.Add(new Row(scenario, figure, unit, target));
        Console.WriteLine($"  {scenario}: {Format(figure)} {unit}");
    }

    public void Print(TextWriter output)
    {
        int width = Math.Max(8, _rows.Count == 0 ? 8 : _rows.Max(r => r.Scenario.Length));
        output.WriteLine();
        output.WriteLine($"| {"Scenario".PadRight(width)} | {"Figure",12} | {"Unit",-10} | Target |");
        output.WriteLine($"|{new string('-', width + 2)}|{new string('-', 14)}|{new string('-', 12)}|--------|");
        foreach (Row row in _rows)
        {
            output.WriteLine($"| {row.Scenario.PadRight(width)} | {Format(row.Figure),12} | {row.Unit,-10} | {row.Target} |");
        }
    }

    private static string Format(double value) => value switch
    {
        >= 1000 => value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture),
        >= 10 => value.ToString("N1", System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString("N2", System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>Medians and percentiles.</summary>
public static class Stats
{
    public static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

    public static double Percentile(IEnumerable<double> values, double fraction)
    {
        double[] sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }

        int index = (int)Math.Clamp(Math.Ceiling(fraction * sorted.Length) - 1, 0, sorted.Length - 1);
        return sorted[index];
    }
}
