using Microsoft.AspNetCore.Http;

namespace Mpms.Hosting.Dashboard.Internal;

/// <summary>The dashboard's options as validated when it is mapped, copied so that later changes to them change nothing.</summary>
internal sealed record DashboardSettings(
    string Pattern,
    IReadOnlyList<Func<HttpContext, ValueTask<bool>>> Authorization,
    TimeSpan PollInterval,
    string Title)
{
    public static readonly TimeSpan MinimumPollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Checks the pattern and options, naming every problem at once.</summary>
    /// <exception cref="ArgumentException">Something is invalid; the message lists what and why.</exception>
    public static DashboardSettings Validate(string pattern, MpmsDashboardOptions options)
    {
        var errors = new List<string>();
        if (!pattern.StartsWith('/') || pattern.Contains('{', StringComparison.Ordinal) || pattern.Contains('?', StringComparison.Ordinal))
        {
            errors.Add($"pattern '{pattern}' must be a literal path that starts with '/' (the page's links are relative to it)");
        }

        if (options.Authorization is null || options.Authorization.Any(static check => check is null))
        {
            errors.Add($"{nameof(MpmsDashboardOptions)}.{nameof(MpmsDashboardOptions.Authorization)} must be a list of checks with no null in it (empty lets every request through)");
        }

        if (options.PollInterval < MinimumPollInterval)
        {
            errors.Add($"{nameof(MpmsDashboardOptions)}.{nameof(MpmsDashboardOptions.PollInterval)} is {options.PollInterval} and must be at least {MinimumPollInterval}, so that open pages cannot load the application");
        }

        if (string.IsNullOrWhiteSpace(options.Title))
        {
            errors.Add($"{nameof(MpmsDashboardOptions)}.{nameof(MpmsDashboardOptions.Title)} must not be empty");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException($"The Mpms dashboard cannot be mapped: {string.Join("; ", errors)}.", errors[0].StartsWith("pattern", StringComparison.Ordinal) ? nameof(pattern) : nameof(options));
        }

        return new DashboardSettings(pattern.TrimEnd('/'), [.. options.Authorization!], options.PollInterval, options.Title);
    }
}
