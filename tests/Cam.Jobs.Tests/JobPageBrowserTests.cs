using System.Diagnostics;
using System.Text.RegularExpressions;
using Cam.Contracts;
using Cam.Scheduler.Pages;
using Microsoft.Extensions.DependencyInjection;
using Cam.Tests.Shared;

namespace Cam.Jobs.Tests;

/// <summary>The live page in headless Chromium (Debian's package, as the report's test): what a browser shows, and a screenshot kept for
/// CI.</summary>
public class JobPageBrowserTests
{
    [Fact]
    public async Task Chromium_shows_a_running_jobs_progress_move_and_the_finished_job_at_100_percent()
    {
        await using var host = await PageHost.StartAsync(apiKey: null);
        string[] methods = ["gradcam", "scorecam"];
        var job = await host.CreateJobAsync(shards: 4, itemsPerShard: 5, methods: methods);
        var page = new Uri(host.Address, $"/jobs/{job}");
        host.Services.GetRequiredService<JobPageData>().TallyInterval = TimeSpan.Zero; // each load counts afresh

        var first = await DomAsync(page);
        Assert.Equal("0", Percent(first));
        Assert.Contains("http-equiv=\"refresh\"", first); // reloads itself while the job runs

        await host.CompleteShardAsync(job, 0, methods);
        await host.CompleteShardAsync(job, 1, methods, failed: new HashSet<long> { 7 });
        var running = await DomAsync(page);
        Assert.Equal("50", Percent(running));
        Assert.Matches(@"gradcam</td><td class=""n"">9</td><td class=""n"">0</td>", running); // 10 items, one failed
        var list = await DomAsync(new Uri(host.Address, "/"));
        Assert.Equal("50", Percent(list));
        await ScreenshotAsync(page, "job-page-running.png");

        await host.CompleteShardAsync(job, 2, methods);
        await host.CompleteShardAsync(job, 3, methods);
        Assert.Equal(JobState.CompletedWithErrors, await host.Store.TryFinishJobAsync(job));
        var finished = await DomAsync(page);
        Assert.Equal("100", Percent(finished));
        Assert.DoesNotContain("http-equiv=\"refresh\"", finished);
        Assert.Contains("completed with errors", finished);
        await ScreenshotAsync(page, "job-page-finished.png");
    }

    private static string Percent(string dom) => Regex.Match(dom, "data-percent=\"([0-9.]+)\"").Groups[1].Value;

    private static string Chromium => new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome" }.FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("no Chromium found (apt-get install chromium): the page's browser test needs it");

    /// <summary>The page as Chromium has it after loading (the DOM, serialised).</summary>
    private static async Task<string> DomAsync(Uri page)
    {
        var (output, _) = await RunAsync("--dump-dom", page.AbsoluteUri);
        return output;
    }

    /// <summary>A screenshot under artifacts/ (CI keeps it), for docs/images as well when one is refreshed by hand.</summary>
    private static async Task ScreenshotAsync(Uri page, string name)
    {
        var folder = Directory.CreateDirectory(Path.Combine(RepositoryRoot.Path, "artifacts", "screenshots")).FullName;
        var file = Path.Combine(folder, name);
        File.Delete(file);
        await RunAsync($"--screenshot={file}", "--window-size=1200,720", page.AbsoluteUri);
        Assert.True(File.Exists(file) && new FileInfo(file).Length > 1000, $"Chromium wrote no screenshot {file}");
    }

    private static async Task<(string Output, string Error)> RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo(Chromium) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--headless", "--no-sandbox", "--disable-gpu",
            "--hide-scrollbars" }.Concat(arguments)) info.ArgumentList.Add(argument);
        using var browser = Process.Start(info)!;
        var output = browser.StandardOutput.ReadToEndAsync();
        var error = browser.StandardError.ReadToEndAsync();
        await browser.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        return (await output, await error);
    }
}
