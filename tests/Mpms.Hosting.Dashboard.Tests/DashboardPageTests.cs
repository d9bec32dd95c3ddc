using System.Diagnostics;
using Microsoft.Playwright;

namespace Mpms.Hosting.Dashboard.Tests;

/// <summary>
/// The page in a real headless browser (the machine's Chromium, driven by Playwright; no browser is downloaded): it
/// loads, shows the pool's processes, and follows the pool live when a worker process is killed.
/// </summary>
[Collection(WorkerProcessCollection.Name)]
public sealed class DashboardPageTests
{
    /// <summary>Where the browser is: Debian's Chromium (the test script installs it on CI); MPMS_CHROMIUM names another.</summary>
    private static readonly string Chromium = Environment.GetEnvironmentVariable("MPMS_CHROMIUM") ?? "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    [Fact]
    public async Task Page_WorkerProcessKilled_ShowsItsReplacementAndWhyItExited()
    {
        await using DashboardApp app = await DashboardApp.StartAsync(o => o.PollInterval = TimeSpan.FromMilliseconds(500));
        using IPlaywright playwright = await Playwright.CreateAsync();
        await using IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
        IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 1200 } });
        page.SetDefaultTimeout((float)DashboardApp.WaitCeiling.TotalMilliseconds);

        IResponse? loaded = await page.GotoAsync(new Uri(app.Address, "mpms").ToString());
        Assert.Equal(200, loaded?.Status);

        // The page shows the pool's two processes, with the pids the pool has.
        int[] before = [.. app.Pool.GetDetails().Processes.Select(p => p.ProcessId).Order()];
        await page.WaitForFunctionAsync("n => document.querySelectorAll('tr.process').length === n", before.Length);
        Assert.Equal(before, await PidsShownAsync(page));
        Assert.Equal("TestWorker", await page.Locator("section.pool h2").TextContentAsync());
        Assert.Equal("Healthy", await page.Locator("section.pool [data-health]").GetAttributeAsync("data-health"));

        // SIGKILL from outside: the page must show the exit with its signal, and the replacement, by itself.
        int killed = before[0];
        using (var victim = Process.GetProcessById(killed))
        {
            victim.Kill();
        }

        await page.WaitForFunctionAsync(
            """
            pid => document.querySelector(`tr.exit[data-pid="${pid}"]`) !== null
                && document.querySelector(`tr.process[data-pid="${pid}"]`) === null
                && document.querySelectorAll('tr.process').length === 2
                && [...document.querySelectorAll('tr.process')].every(row => row.querySelector('.badge').textContent === 'Ready')
            """,
            killed);

        int[] shown = await PidsShownAsync(page);
        Assert.DoesNotContain(killed, shown);
        Assert.Contains(before[1], shown);
        int replacement = Assert.Single(shown, pid => pid != before[1]);
        Assert.Contains(replacement, app.Pool.GetDetails().Processes.Select(p => p.ProcessId));
        Assert.Equal("Signaled", await page.Locator($"tr.exit[data-pid='{killed}']").GetAttributeAsync("data-reason"));
        Assert.Contains("SIGKILL", await page.Locator($"tr.exit[data-pid='{killed}']").TextContentAsync(), StringComparison.Ordinal);

        string? screenshot = Environment.GetEnvironmentVariable("MPMS_DASHBOARD_SCREENSHOT");
        if (screenshot is not null)
        {
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        }

        await browser.CloseAsync();
    }

    private static async Task<int[]> PidsShownAsync(IPage page) =>
        [.. (await page.Locator("tr.process").EvaluateAllAsync<int[]>("rows => rows.map(r => Number(r.dataset.pid))")).Order()];
}
