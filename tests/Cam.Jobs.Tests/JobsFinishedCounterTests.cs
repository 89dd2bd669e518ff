using System.Net;
using System.Text.RegularExpressions;
using Cam.Contracts;
using Cam.Scheduler.Telemetry;

namespace Cam.Jobs.Tests;

/// <summary>
/// <c>cam.jobs.finished</c> counts a cancelled job as it counts every other ending, whichever door the cancel came
/// through. The counter carries no job id, so these tests run alone (<see cref="ProcessWideCountersCollection"/>) and
/// count exactly.
/// </summary>
[Collection(ProcessWideCountersCollection.Name)]
public class JobsFinishedCounterTests
{
    [Fact]
    public async Task A_job_cancelled_through_the_api_counts_once_as_a_cancelled_finished_job()
    {
        using var recorder = new MeasurementRecorder(SchedulerTelemetry.Name);
        await using var host = await PageHost.StartAsync(apiKey: null);
        var job = await host.CreateJobAsync(shards: 2, itemsPerShard: 2);
        using var http = new HttpClient { BaseAddress = host.Address };

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/api/jobs/{job}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync($"/api/jobs/{job}/cancel", null)).StatusCode); // had ended: not again

        Assert.Equal(JobState.Cancelled, (await host.Store.GetJobAsync(job))!.State);
        Assert.Equal(1, recorder.Sum("cam.jobs.finished", (SchedulerTelemetry.StateAttribute, JobState.Cancelled)));
        Assert.Equal(1, recorder.Sum("cam.jobs.finished"));
    }

    [Fact]
    public async Task A_job_cancelled_on_its_live_page_counts_once_as_a_cancelled_finished_job()
    {
        using var recorder = new MeasurementRecorder(SchedulerTelemetry.Name);
        await using var host = await PageHost.StartAsync(apiKey: null);
        var job = await host.CreateJobAsync(shards: 2, itemsPerShard: 2);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = host.Address,
        };

        var page = await (await browser.GetAsync($"/jobs/{job}")).Content.ReadAsStringAsync();
        var token = WebUtility.HtmlDecode(Regex.Match(page, "name=\"__cam_token\" value=\"([^\"]+)\"").Groups[1].Value);
        var cancel = await browser.PostAsync($"/jobs/{job}/cancel", new FormUrlEncodedContent([new("__cam_token", token)]));

        Assert.Equal(HttpStatusCode.Redirect, cancel.StatusCode);
        Assert.Equal(JobState.Cancelled, (await host.Store.GetJobAsync(job))!.State);
        Assert.Equal(1, recorder.Sum("cam.jobs.finished", (SchedulerTelemetry.StateAttribute, JobState.Cancelled)));
        Assert.Equal(1, recorder.Sum("cam.jobs.finished"));
    }
}

/// <summary>Tests that count process-wide instruments without a job attribute: run after the parallel ones, alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideCountersCollection
{
    public const string Name = "process-wide counters (run alone)";
}
