using Cam.Contracts;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Storage.Tests;

/// <summary>The same behaviour on SQLite (always) and PostgreSQL (when CAM_TEST_POSTGRES names a server).</summary>
public class StoreTests
{
    public static TheoryData<string> Providers() => TestDatabases.Providers();

    private static async Task<ServiceProvider> DatabaseAsync(string provider) => (await TestDatabases.CreateAsync(provider)).Services;

    private static async Task<Guid> JobWithShardsAsync(JobStore store, int shards, int itemsPerShard)
    {
        var job = Guid.NewGuid();
        await store.CreateJobAsync(job, "{}");
        for (var s = 0; s < shards; s++)
        {
            var items = Enumerable.Range(s * itemsPerShard, itemsPerShard)
                .Select(n => new ItemRow { JobId = job, Number = n, ShardNumber = s, Path = $"img{n}.png", State = ItemState.Pending }).ToList();
            await store.AddShardAsync(job, s, items);
        }
        await store.MarkEnumerationDoneAsync(job);
        return job;
    }

    private static ResultRow Result(Guid job, long item, string method, int cls) => new()
    {
        JobId = job, ItemNumber = item, Method = method, Layer = "layer4", ClassIndex = cls, Score = 1.5f, Probability = 0.25f,
        MapHeight = 1, MapWidth = 2, Map = BitConverter.GetBytes(0.5f).Concat(BitConverter.GetBytes(-1f)).ToArray(), PeakX = 0, PeakY = 0, Energy = 0.25f,
    };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task WritingAShardTwiceStoresTheSameRowsAsOnce(string provider)
    {
        await using var services = await DatabaseAsync(provider);
        var store = services.GetRequiredService<JobStore>();
        var writer = services.GetRequiredService<ResultWriter>();
        var job = await JobWithShardsAsync(store, 1, 3);
        var output = new ShardOutput(job,
            [Result(job, 0, "cam", 1), Result(job, 0, "scorecam", 1), Result(job, 1, "cam", 1)],
            [new ItemErrorRow { JobId = job, ItemNumber = 2, Stage = "decode", Message = "corrupt", At = DateTime.UtcNow }],
            [0, 1], [2]);
        Assert.Equal(3, await writer.WriteAsync(output));
        Assert.Equal(0, await writer.WriteAsync(output));

        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        Assert.Equal(3, await db.Results.CountAsync(r => r.JobId == job));
        Assert.Equal(1, await db.ItemErrors.CountAsync(e => e.JobId == job));
        var stored = await db.Results.FirstAsync(r => r.JobId == job && r.Method == "cam" && r.ItemNumber == 1);
        Assert.Equal(output.Results[2].Map, stored.Map);
        Assert.Equal(new[] { "succeeded", "succeeded", "failed" }, await db.Items.Where(i => i.JobId == job).OrderBy(i => i.Number).Select(i => i.State).ToArrayAsync());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task GuardedTransitionsCountEachShardOnceAndFinishTheJob(string provider)
    {
        await using var services = await DatabaseAsync(provider);
        var store = services.GetRequiredService<JobStore>();
        var writer = services.GetRequiredService<ResultWriter>();
        var job = await JobWithShardsAsync(store, 2, 2);
        Assert.Equal(1, await store.TryLeaseAsync(job, 0, 0, DateTime.UtcNow.AddMinutes(1)));
        Assert.Null(await store.TryLeaseAsync(job, 0, 0, DateTime.UtcNow.AddMinutes(1)));
        Assert.Equal(1, await store.TryLeaseAsync(job, 1, 0, DateTime.UtcNow.AddMinutes(-1)));
        var expired = await store.ExpiredLeasesAsync(DateTime.UtcNow, 10);
        Assert.Equal([1], expired.Select(s => s.Number));
        Assert.Equal(2, await store.TryLeaseAsync(job, 1, 1, DateTime.UtcNow.AddMinutes(1)));

        await writer.WriteAsync(new ShardOutput(job, [Result(job, 0, "cam", 1), Result(job, 1, "cam", 1)], [], [0, 1], []));
        var done = new ShardCompleted { JobId = job, ShardNumber = 0, Attempt = 1, Succeeded = 2, Failed = 0, Results = 2, Seconds = 1 };
        Assert.True(await store.TryCompleteShardAsync(done));
        Assert.False(await store.TryCompleteShardAsync(done));
        Assert.Null(await store.TryFinishJobAsync(job));

        Assert.True(await store.TryFailShardAsync(new ShardFailed { JobId = job, ShardNumber = 1, Attempt = 2, Reason = "model did not load" }));
        Assert.False(await store.TryFailShardAsync(new ShardFailed { JobId = job, ShardNumber = 1, Attempt = 2, Reason = "again" }));
        Assert.Equal(JobState.Failed, await store.TryFinishJobAsync(job));
        var row = await store.GetJobAsync(job);
        Assert.Equal((2L, 2L, 2L), (row!.SucceededItems, row.FailedItems, row.Results));
        Assert.Equal(2, (await store.ErrorsPageAsync(job, 0, 10)).Count);
        Assert.Null(await store.TryFinishJobAsync(job));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ResultPagesReturnEveryRowOnce(string provider)
    {
        await using var services = await DatabaseAsync(provider);
        var store = services.GetRequiredService<JobStore>();
        var job = await JobWithShardsAsync(store, 1, 7);
        await services.GetRequiredService<ResultWriter>().WriteAsync(new ShardOutput(job,
            Enumerable.Range(0, 7).SelectMany(n => new[] { Result(job, n, "cam", 0), Result(job, n, "cam", 1) }).ToList(), [], Enumerable.Range(0, 7).Select(n => (long)n).ToList(), []));
        var seen = new List<(long, int)>();
        long after = 0;
        while (true)
        {
            var page = await store.ResultsPageAsync(job, after, 3);
            if (page.Count == 0) break;
            seen.AddRange(page.Select(r => (r.ItemNumber, r.ClassIndex)));
            after = page[^1].Id;
        }
        Assert.Equal(14, seen.Count);
        Assert.Equal(14, seen.Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task CancelledJobsStopBeingRunning(string provider)
    {
        await using var services = await DatabaseAsync(provider);
        var store = services.GetRequiredService<JobStore>();
        var job = await JobWithShardsAsync(store, 1, 1);
        Assert.True(await store.IsJobRunningAsync(job));
        Assert.True(await store.TryCancelAsync(job));
        Assert.False(await store.TryCancelAsync(job));
        Assert.False(await store.IsJobRunningAsync(job));
        Assert.Null(await store.TryFinishJobAsync(job));
        Assert.Equal(JobState.Cancelled, (await store.GetJobAsync(job))!.State);
    }
}
