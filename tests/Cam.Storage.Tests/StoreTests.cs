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
        MapHeight = 1, MapWidth = 2, Map = BitConverter.GetBytes(0.5f).Concat(BitConverter.GetBytes(-1f)).ToArray(), PeakX = 0,
        PeakY = 0, Energy = 0.25f,
    };

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Writing_a_shard_twice_stores_the_same_rows_as_once(string provider)
    {
        await using var services = await DatabaseAsync(provider);
        var store = services.GetRequiredService<JobStore>();
        var shards = services.GetRequiredService<ShardLifecycle>();
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
        Assert.Equal(new[] { "succeeded", "succeeded", "failed" }, await db.Items.Where(i => i.JobId == job).OrderBy(i => i.Number)
            .Select(i => i.State).ToArrayAsync());
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_published_shard_counts_as_overtaken_only_once_a_shard_published_after_it_is_claimed(string provider)
    {
        await using var services = await DatabaseAsync(provider);
        var store = services.GetRequiredService<JobStore>();
        var shards = services.GetRequiredService<ShardLifecycle>();
        var job = await JobWithShardsAsync(store, 3, 1);
        var beforePublication = DateTime.UtcNow;
        for (var s = 0; s < 3; s++) Assert.Equal(1, await shards.TryPublishAsync(job, s, 0, DateTime.UtcNow.AddHours(1)));
        var later = DateTime.UtcNow.AddSeconds(1);

        Assert.Empty(await store.OvertakenAsync(later, 10));
        Assert.NotNull(await shards.TryClaimAsync(job, 0, "worker-1", TimeSpan.FromMinutes(1)));
        Assert.Empty(await store.OvertakenAsync(later, 10));

        // Shard 2, published after shard 1, is claimed while shard 1 waits: shard 1's message was skipped.
        Assert.NotNull(await shards.TryClaimAsync(job, 2, "worker-2", TimeSpan.FromMinutes(1)));
        Assert.Equal([1], (await store.OvertakenAsync(later, 10)).Select(s => s.Number));
        Assert.Empty(await store.OvertakenAsync(beforePublication, 10));

        // A lost message is a failed attempt of a shard still unclaimed, never of one a worker holds.
        Assert.Equal(AttemptOutcome.NotCounted, await shards.TryFailAttemptAsync(job, 2, 1, "lost", 2, unclaimedOnly: true));
        Assert.Equal(AttemptOutcome.WillRetry, await shards.TryFailAttemptAsync(job, 1, 1, "lost", 2, unclaimedOnly: true));
        Assert.Equal(2, await shards.TryPublishAsync(job, 1, 1, DateTime.UtcNow.AddHours(1)));
        Assert.Empty(await store.OvertakenAsync(DateTime.UtcNow.AddSeconds(1), 10));
        Assert.Equal(AttemptOutcome.ShardFailed, await shards.TryFailAttemptAsync(job, 1, 2, "lost again", 2, unclaimedOnly: true));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Guarded_transitions_count_each_shard_once_and_finish_the_job(string provider)
    {
        await using var services = await DatabaseAsync(provider);
        var store = services.GetRequiredService<JobStore>();
        var shards = services.GetRequiredService<ShardLifecycle>();
        var writer = services.GetRequiredService<ResultWriter>();
        var job = await JobWithShardsAsync(store, 2, 2);
        Assert.Equal(1, await shards.TryPublishAsync(job, 0, 0, DateTime.UtcNow.AddMinutes(1)));
        Assert.Null(await shards.TryPublishAsync(job, 0, 0, DateTime.UtcNow.AddMinutes(1)));
        Assert.Equal(1, await shards.TryPublishAsync(job, 1, 0, DateTime.UtcNow.AddMinutes(-1)));
        var unclaimed = await store.UnclaimedAsync(DateTime.UtcNow, 10);
        Assert.Equal([1], unclaimed.Select(s => s.Number));
        Assert.Equal(2, await shards.TryPublishAsync(job, 1, 1, DateTime.UtcNow.AddMinutes(1)));

        await writer.WriteAsync(new ShardOutput(job, [Result(job, 0, "cam", 1), Result(job, 1, "cam", 1)], [], [0, 1], []));
        var done = new ShardCompleted { JobId = job, ShardNumber = 0, Attempt = 1, Succeeded = 2, Failed = 0, Results = 2, Seconds = 1 };
        Assert.Equal(ShardReport.Counted, await shards.TryCompleteOnReportAsync(done));
        Assert.Equal(ShardReport.AlreadyCounted, await shards.TryCompleteOnReportAsync(done));
        Assert.Null(await store.TryFinishJobAsync(job));

        Assert.Equal(AttemptOutcome.ShardFailed, await shards.TryFailAttemptAsync(job, 1, 2, "model did not load", maxAttempts: 1));
        Assert.Equal(AttemptOutcome.NotCounted, await shards.TryFailAttemptAsync(job, 1, 2, "again", maxAttempts: 1));
        // One shard explained, one failed: the job ends with errors, its items counted once each.
        Assert.Equal(JobState.CompletedWithErrors, await store.TryFinishJobAsync(job));
        var row = await store.GetJobAsync(job);
        Assert.Equal((2L, 2L, 2L), (row!.SucceededItems, row.FailedItems, row.Results));
        Assert.Equal(2, (await store.ErrorsPageAsync(job, 0, 10)).Count);
        Assert.Null(await store.TryFinishJobAsync(job));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_shard_fails_after_its_attempts_run_out_with_its_items_as_errors_of_the_last_reason(string provider)
    {
        await using var services = await DatabaseAsync(provider);
        var store = services.GetRequiredService<JobStore>();
        var shards = services.GetRequiredService<ShardLifecycle>();
        var job = await JobWithShardsAsync(store, 1, 3);

        Assert.Equal(1, await shards.TryPublishAsync(job, 0, 0, DateTime.UtcNow.AddMinutes(1)));
        Assert.Equal(AttemptOutcome.WillRetry, await shards.TryFailAttemptAsync(job, 0, 1, "first", maxAttempts: 3));
        Assert.Equal(2, await shards.TryPublishAsync(job, 0, 1, DateTime.UtcNow.AddMinutes(1)));
        // A late report of an attempt that is no longer current changes nothing.
        Assert.Equal(AttemptOutcome.NotCounted, await shards.TryFailAttemptAsync(job, 0, 1, "stale", maxAttempts: 3));
        Assert.Equal(AttemptOutcome.WillRetry, await shards.TryFailAttemptAsync(job, 0, 2, "second", maxAttempts: 3));
        Assert.Equal(3, await shards.TryPublishAsync(job, 0, 2, DateTime.UtcNow.AddMinutes(1)));
        Assert.Equal(AttemptOutcome.ShardFailed, await shards.TryFailAttemptAsync(job, 0, 3, "third", maxAttempts: 3));
        Assert.Null(await shards.TryPublishAsync(job, 0, 3, DateTime.UtcNow.AddMinutes(1)));

        Assert.Equal(JobState.Failed, await store.TryFinishJobAsync(job));
        var errors = await store.ErrorsPageAsync(job, 0, 10);
        Assert.Equal([0L, 1L, 2L], errors.Select(e => e.ItemNumber!.Value).Order());
        Assert.All(errors, e => Assert.Equal(("shard", "third"), (e.Stage, e.Message)));
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var shard = await db.Shards.SingleAsync(s => s.JobId == job);
        Assert.Equal((ShardState.Failed, 3, "third"), (shard.State, shard.Failures, shard.Error));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_claim_is_held_by_one_worker_renewed_by_it_and_lost_when_it_runs_out_or_the_job_is_cancelled(string provider)
    {
        await using var services = await DatabaseAsync(provider);
        var store = services.GetRequiredService<JobStore>();
        var shards = services.GetRequiredService<ShardLifecycle>();
        var writer = services.GetRequiredService<ResultWriter>();
        var job = await JobWithShardsAsync(store, 2, 1);
        Assert.Null(await shards.TryClaimAsync(job, 0, "worker-a", TimeSpan.FromMinutes(1)));
        Assert.Equal(1, await shards.TryPublishAsync(job, 0, 0, DateTime.UtcNow.AddMinutes(1)));

        var claim = await shards.TryClaimAsync(job, 0, "worker-a", TimeSpan.FromMilliseconds(-1));
        Assert.Equal(new ShardClaim(job, 0, 1, "worker-a", TimeSpan.FromMilliseconds(-1)), claim);
        Assert.Null(await shards.TryClaimAsync(job, 0, "worker-b", TimeSpan.FromMinutes(1)));
        Assert.Equal(claim, await shards.TryClaimAsync(job, 0, "worker-a", TimeSpan.FromMilliseconds(-1)));
        Assert.True(await shards.TryRenewClaimAsync(claim!));
        Assert.Equal(1, await store.OutstandingShardsAsync());

        // worker-a stops renewing: its claim runs out and counts as a failed attempt; it can no longer renew or store.
        Assert.Equal([0], (await store.ExpiredLeasesAsync(DateTime.UtcNow, 10)).Select(s => s.Number));
        Assert.Equal(AttemptOutcome.WillRetry, await shards.TryFailAttemptAsync(job, 0, 1, "worker stopped", 3, leaseExpiredBefore: DateTime.UtcNow));
        Assert.False(await shards.TryRenewClaimAsync(claim!));
        await Assert.ThrowsAsync<ClaimLostException>(() => writer.WriteAsync(new ShardOutput(job, [Result(job, 0, "cam", 1)], [], [0], []), claim));

        Assert.Equal(2, await shards.TryPublishAsync(job, 0, 1, DateTime.UtcNow.AddMinutes(1)));
        var second = await shards.TryClaimAsync(job, 0, "worker-b", TimeSpan.FromMinutes(1));
        Assert.Equal(2, second!.Attempt);
        Assert.Equal(1, await writer.WriteAsync(new ShardOutput(job, [Result(job, 0, "cam", 1)], [], [0], []), second));
        // Stored under its claim, the shard is completed and counted in the same transaction; a report adds nothing.
        Assert.Equal((1, 1L, 1L),
            ((await store.GetJobAsync(job))!.FinishedShards, (await store.GetJobAsync(job))!.SucceededItems,
            (await store.GetJobAsync(job))!.Results));
        Assert.Equal(ShardReport.AlreadyCounted,
            await shards.TryCompleteOnReportAsync(new ShardCompleted
            {
                JobId = job, ShardNumber = 0, Attempt = 2, Succeeded = 1, Failed = 0, Results = 1, Seconds = 1
            }));

        Assert.Equal(1, await shards.TryPublishAsync(job, 1, 0, DateTime.UtcNow.AddMinutes(1)));
        var third = await shards.TryClaimAsync(job, 1, "worker-c", TimeSpan.FromMinutes(1));
        Assert.True(await store.TryCancelAsync(job));
        await Assert.ThrowsAsync<ClaimLostException>(() => writer.WriteAsync(new ShardOutput(job, [Result(job, 1, "cam", 1)], [], [1], []), third));
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        Assert.Equal(1, await db.Results.CountAsync(r => r.JobId == job));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task A_worker_that_stops_hands_its_claim_back_for_the_redelivered_message_to_take_at_once(string provider)
    {
        await using var services = await DatabaseAsync(provider);
        var store = services.GetRequiredService<JobStore>();
        var shards = services.GetRequiredService<ShardLifecycle>();
        var job = await JobWithShardsAsync(store, 1, 1);
        Assert.Equal(1, await shards.TryPublishAsync(job, 0, 0, DateTime.UtcNow.AddMinutes(1)));
        var claim = await shards.TryClaimAsync(job, 0, "stopping", TimeSpan.FromMinutes(1));

        Assert.True(await shards.TryReleaseClaimAsync(claim!, TimeSpan.FromMinutes(1)));
        var next = await shards.TryClaimAsync(job, 0, "other", TimeSpan.FromMinutes(1));
        Assert.Equal(1, next!.Attempt);
        Assert.False(await shards.TryRenewClaimAsync(claim!));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Result_pages_return_every_row_once(string provider)
    {
        await using var services = await DatabaseAsync(provider);
        var store = services.GetRequiredService<JobStore>();
        var shards = services.GetRequiredService<ShardLifecycle>();
        var job = await JobWithShardsAsync(store, 1, 7);
        await services.GetRequiredService<ResultWriter>().WriteAsync(new ShardOutput(job,
            Enumerable.Range(0, 7).SelectMany(n => new[] { Result(job, n, "cam", 0), Result(job, n, "cam", 1) }).ToList(), [], Enumerable.Range(0, 7)
                .Select(n => (long)n).ToList(), []));
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
    public async Task Published_shards_of_a_job_that_ended_no_longer_count_against_the_outstanding_budget(string provider)
    {
        await using var services = await DatabaseAsync(provider);
        var store = services.GetRequiredService<JobStore>();
        var shards = services.GetRequiredService<ShardLifecycle>();
        var cancelled = await JobWithShardsAsync(store, 3, 2);
        var failed = await JobWithShardsAsync(store, 2, 2);
        var running = await JobWithShardsAsync(store, 2, 2);
        foreach (var job in new[] { cancelled, failed, running })
        {
            Assert.Equal(1, await shards.TryPublishAsync(job, 0, 0, DateTime.UtcNow.AddMinutes(5)));
            Assert.Equal(1, await shards.TryPublishAsync(job, 1, 0, DateTime.UtcNow.AddMinutes(5)));
        }
        Assert.Equal(6, await store.OutstandingShardsAsync());

        Assert.True(await store.TryCancelAsync(cancelled));
        Assert.True(await store.TryFailJobAsync(failed, "the dataset cannot be read"));

        Assert.Equal(2, await store.OutstandingShardsAsync());
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var open = new[] { ShardState.Pending, ShardState.Published };
        Assert.Equal(0, await db.Shards.CountAsync(s => (s.JobId == cancelled || s.JobId == failed) && open.Contains(s.State)));
        Assert.Equal(2, await db.Shards.CountAsync(s => s.JobId == running && s.State == ShardState.Published));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Cancelled_jobs_stop_being_running(string provider)
    {
        await using var services = await DatabaseAsync(provider);
        var store = services.GetRequiredService<JobStore>();
        var shards = services.GetRequiredService<ShardLifecycle>();
        var job = await JobWithShardsAsync(store, 1, 1);
        Assert.True(await store.IsJobRunningAsync(job));
        Assert.True(await store.TryCancelAsync(job));
        Assert.False(await store.TryCancelAsync(job));
        Assert.False(await store.IsJobRunningAsync(job));
        Assert.Null(await store.TryFinishJobAsync(job));
        Assert.Equal(JobState.Cancelled, (await store.GetJobAsync(job))!.State);
    }
}
