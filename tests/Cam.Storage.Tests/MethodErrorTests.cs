using Cam.Contracts;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Storage.Tests;

/// <summary>Errors of one method (on an item, or for the whole job) on SQLite and PostgreSQL alike.</summary>
public class MethodErrorTests
{
    public static TheoryData<string> Providers() => TestDatabases.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Method_errors_are_stored_once_per_item_and_method_and_once_per_job_and_counted_per_method(string provider)
    {
        await using var services = (await TestDatabases.CreateAsync(provider)).Services;
        var store = services.GetRequiredService<JobStore>();
        var writer = services.GetRequiredService<ResultWriter>();
        var job = Guid.NewGuid();
        await store.CreateJobAsync(job, "{}");
        for (var s = 0; s < 2; s++)
            await store.AddShardAsync(job, s, Enumerable.Range(2 * s, 2)
                .Select(n => new ItemRow { JobId = job, Number = n, ShardNumber = s, Path = $"{n}.png" }).ToList());
        await store.MarkEnumerationDoneAsync(job);

        ItemErrorRow Error(long? item, string stage, string method) =>
            new() { JobId = job, ItemNumber = item, Stage = stage, Method = method, Message = $"{method} failed", At = DateTime.UtcNow };
        ResultRow Result(long item, string method) =>
            new()
            {
                JobId = job, ItemNumber = item, Method = method, Layer = "features", MapHeight = 1, MapWidth = 1, Map = BitConverter.GetBytes(1f)
            };
        // Each shard: scorecam explains both items; gradcam fails on item 1 (same stage as a whole-item error would be); cam cannot apply at all.
        var first = new ShardOutput(job, [Result(0, "scorecam"), Result(1, "scorecam"), Result(0, "gradcam")],
            [Error(null, "method", "cam"), Error(1, "explain", "gradcam")], [0, 1], []);
        var second = new ShardOutput(job, [Result(2, "scorecam"), Result(3, "scorecam"), Result(2, "gradcam"), Result(3, "gradcam")],
            [Error(null, "method", "cam")], [2, 3], []);
        foreach (var output in new[] { first, first, second, second }) await writer.WriteAsync(output);

        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var errors = await db.ItemErrors.Where(e => e.JobId == job).OrderBy(e => e.Method).ToListAsync();
        Assert.Equal([("cam", (long?)null), ("gradcam", 1L)], errors.Select(e => (e.Method, e.ItemNumber)));

        var tallies = (await services.GetRequiredService<MethodTallies>().OfJobAsync(job, ["cam", "gradcam", "scorecam"]))
            .ToDictionary(t => t.Method);
        Assert.Equal(new MethodTally("cam", 0, 0, "cam failed"), tallies["cam"]);
        Assert.Equal(new MethodTally("gradcam", 3, 1, null), tallies["gradcam"]);
        Assert.Equal(new MethodTally("scorecam", 4, 0, null), tallies["scorecam"]);

        // Every item was explained by some method, yet methods failed: the job completes with errors.
        await db.Shards.Where(s => s.JobId == job).ExecuteUpdateAsync(s => s.SetProperty(x => x.State, ShardState.Completed));
        await db.Jobs.Where(j => j.Id == job).ExecuteUpdateAsync(s => s.SetProperty(j => j.FinishedShards, 2));
        Assert.Equal(JobState.CompletedWithErrors, await store.TryFinishJobAsync(job));
    }
}
