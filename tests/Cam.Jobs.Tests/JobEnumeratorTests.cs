using System.Text.Json;
using Cam.Contracts;
using Cam.Scheduler;
using Cam.Scheduler.Jobs;
using Cam.Specs;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cam.Jobs.Tests;

/// <summary>Enumeration never leaves a job running silently: on SQLite and, when CAM_TEST_POSTGRES is set, on PostgreSQL.</summary>
public class JobEnumeratorTests
{
    public static TheoryData<string> Providers() => TestDatabases.Providers();

    private static async Task<SchedulerHarness> SchedulerAsync(DemoWorkspace workspace, string provider)
    {
        var (services, storage) = await TestDatabases.CreateAsync(provider);
        await services.DisposeAsync();
        return await SchedulerHarness.StartAsync(storage, new SchedulerSettings
        {
            DataRoot = workspace.DataRoot, ModelRoot = workspace.ModelRoot,
            EnumerationRetryDelays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200)],
            EnumerationResumeInterval = TimeSpan.FromSeconds(1),
        });
    }

    /// <summary>Good lines of the demo manifest as JSON Lines, with <paramref name="bad"/> lines after the second.</summary>
    private static string JsonLines(DemoWorkspace workspace, params string[] bad)
    {
        var good = File.ReadLines(Path.Combine(workspace.DataRoot, "shapes", "manifest.csv")).Skip(1)
            .Select(l => JsonSerializer.Serialize(new { path = l.Split(',')[0], label = l.Split(',')[1] })).ToList();
        var lines = good.Take(2).Concat(bad).Concat(good.Skip(2));
        var path = Path.Combine(workspace.DataRoot, "shapes", "manifest.jsonl");
        File.WriteAllLines(path, lines);
        return "shapes/manifest.jsonl";
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_path_with_a_NUL_character_is_an_item_error_and_the_rest_of_the_dataset_is_enumerated(string provider)
    {
        var (job, error) = await EnumerateWithOneBadLineAsync(provider, images: 5, "{\"path\": \"images/a\\u0000b.png\", \"label\": \"circle\"}");

        Assert.Equal((JobState.Running, true, 6L), (job.State, job.EnumerationDone, job.TotalItems));
        Assert.Equal(2, error.ItemNumber);
        Assert.Contains("NUL", error.Message);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_manifest_line_with_a_null_box_is_an_item_error_and_the_rest_of_the_dataset_is_enumerated(string provider)
    {
        var (job, error) = await EnumerateWithOneBadLineAsync(provider, images: 4, "{\"path\": \"images/x.png\", \"boxes\": [null]}");

        Assert.Equal((JobState.Running, true, 5L), (job.State, job.EnumerationDone, job.TotalItems));
        Assert.Equal(2, error.ItemNumber);
        Assert.Equal("manifest.jsonl line 3: box null is not [x0, y0, x1, y1]", error.Message);
    }

    /// <summary>Enumerates the demo's images with <paramref name="badLine"/> as the manifest's third line: the job once enumerated, and its one
    /// error.</summary>
    private static async Task<(JobRow Job, ItemErrorRow Error)> EnumerateWithOneBadLineAsync(string provider, int images, string badLine)
    {
        using var workspace = new DemoWorkspace(images, withBadItems: false);
        await using var scheduler = await SchedulerAsync(workspace, provider);
        var dataset = JsonLines(workspace, badLine);

        var id = await scheduler.Jobs.SubmitAsync(new JobSpec
        {
            Dataset = dataset, Model = "shapes-model", Methods = [new MethodSpec("cam")], ShardSize = 2
        });
        var job = await scheduler.WaitForJobAsync(id, j => j.EnumerationDone || j.State != JobState.Running, TimeSpan.FromSeconds(60));
        return (job, Assert.Single(await scheduler.Store.ErrorsPageAsync(id, 0, 10)));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task An_enumeration_that_fails_on_every_attempt_fails_the_job_with_the_reason_after_its_retries(string provider)
    {
        using var workspace = new DemoWorkspace(images: 3, withBadItems: false);
        await using var scheduler = await SchedulerAsync(workspace, provider);
        // A job accepted over a dataset that has vanished from the data volume before its enumeration began.
        var dataset = JsonLines(workspace);
        var id = Guid.NewGuid();
        var spec = new JobSpec { Dataset = dataset, Model = "shapes-model", Methods = [new MethodSpec("cam")], ShardSize = 2 };
        await scheduler.Store.CreateJobAsync(id, StoredJobSpec.Write(spec));
        File.Delete(Path.Combine(workspace.DataRoot, dataset));

        scheduler.Enumerator.Start(id, spec);
        var job = await scheduler.WaitForJobAsync(id, j => j.State != JobState.Running, TimeSpan.FromSeconds(60));

        Assert.Equal(JobState.Failed, job.State);
        Assert.False(job.EnumerationDone);
        Assert.Equal($"the dataset cannot be read: JobValidationException: dataset: '{dataset}' does not exist", job.Error);
    }

    [Fact]
    public async Task An_enumeration_left_unfinished_by_another_scheduler_is_resumed_without_a_restart()
    {
        using var workspace = new DemoWorkspace(images: 3, withBadItems: false);
        await using var scheduler = await SchedulerAsync(workspace, "sqlite");
        var resumer = scheduler.Services.GetServices<IHostedService>().OfType<EnumerationResumer>().Single();
        await resumer.StartAsync(CancellationToken.None);
        try
        {
            // A job another scheduler accepted and died while enumerating: running, its dataset not fully read.
            var id = Guid.NewGuid();
            var spec = new JobSpec { Dataset = "shapes/manifest.csv", Model = "shapes-model", Methods = [new MethodSpec("cam")], ShardSize = 2 };
            await scheduler.Store.CreateJobAsync(id, StoredJobSpec.Write(spec));

            var job = await scheduler.WaitForJobAsync(id, j => j.EnumerationDone, TimeSpan.FromSeconds(60));
            Assert.Equal((3L, 2), (job.TotalItems, job.TotalShards));
        }
        finally
        {
            await resumer.StopAsync(CancellationToken.None);
        }
    }
}
