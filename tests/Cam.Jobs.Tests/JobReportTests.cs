using Cam.Hosting;
using System.Diagnostics;
using System.Net;
using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Scheduler.Api;
using Cam.Scheduler.Telemetry;
using Cam.Specs;
using Cam.Storage;
using Cam.Worker;
using Cam.Worker.Telemetry;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Jobs.Tests;

public class JobReportTests
{
    private static EmbeddedOptions Demo(DemoWorkspace workspace) => new(new JobSpec
    {
        Dataset = "shapes/manifest.csv", Model = "shapes-model", Methods = [new MethodSpec("cam"), new MethodSpec("scorecam")],
        Classes = "top:1", ShardSize = 4,
    }, workspace.DataRoot, workspace.ModelRoot, Path.Combine(workspace.Root, "cam.db"), Workers: 2);

    [Fact]
    public async Task The_report_endpoint_renders_the_jobs_audit_through_a_worker_and_keeps_it_until_the_job_changes()
    {
        using var workspace = new DemoWorkspace(images: 8, withBadItems: false);
        var options = Demo(workspace);
        var summary = await EmbeddedJob.RunAsync(options);
        await using var host = await PageHost.StartAsync(apiKey: null, services =>
        {
            services.AddSingleton(new WorkerSettings { DataRoot = workspace.DataRoot, ModelRoot = workspace.ModelRoot });
            services.AddMassTransit(bus =>
            {
                bus.AddConsumer<RenderReportConsumer, RenderReportConsumerDefinition>();
                bus.UsingInMemory((context, memory) => memory.ConfigureEndpoints(context));
            });
        }, StorageSettings.SqliteFile(options.DatabasePath));
        using var http = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromMinutes(5) };
        var reports = host.Services.GetRequiredService<JobReports>();

        var first = await http.GetAsync($"/api/jobs/{summary.JobId}/report");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("text/html", first.Content.Headers.ContentType!.MediaType);
        var html = await first.Content.ReadAsStringAsync();
        Assert.Contains("<html", html);
        Assert.Contains(summary.JobId.ToString(), html);
        Assert.Equal(html, await http.GetStringAsync($"/api/jobs/{summary.JobId}/report"));
        Assert.Equal(1, reports.Renderings); // the second answer came from the cache

        await host.Store.TryCancelAsync(summary.JobId); // no change: the job had ended
        await http.GetStringAsync($"/api/jobs/{summary.JobId}/report");
        Assert.Equal(1, reports.Renderings);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/jobs/{Guid.NewGuid()}/report")).StatusCode);
    }

    [Fact]
    public async Task A_shards_trace_runs_from_its_publication_through_the_workers_batches_to_its_completion_report()
    {
        var activities = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is SchedulerTelemetry.Name or WorkerTelemetry.Name or "MassTransit",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                lock (activities) activities.Add(activity);
            },
        };
        ActivitySource.AddActivityListener(listener);
        using var workspace = new DemoWorkspace(images: 4, withBadItems: false);
        var summary = await EmbeddedJob.RunAsync(Demo(workspace));
        Assert.Equal(JobState.Completed, summary.State);

        List<Activity> seen;
        lock (activities) seen = activities.ToList();
        var published = seen.Where(a => a.OperationName == "publish shard"
            && (string?)a.GetTagItem(CamTelemetry.JobAttribute) == summary.JobId.ToString()).ToList();
        Assert.NotEmpty(published);
        foreach (var publish in published)
        {
            var trace = seen.Where(a => a.TraceId == publish.TraceId).ToList();
            var shard = Assert.Single(trace, a => a.OperationName == "explain shard");
            Assert.Contains(trace, a => a.OperationName == "explain batch" && a.ParentSpanId == shard.SpanId);
            var end = shard.StartTimeUtc + shard.Duration;
            // The report the worker sent when it was done is consumed in the same trace.
            Assert.Contains(trace, a => a.Source.Name == "MassTransit" && a.Kind == ActivityKind.Consumer
                && a.StartTimeUtc >= end - TimeSpan.FromMilliseconds(50));
        }
    }
}
