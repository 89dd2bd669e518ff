using Cam.Contracts;
using Cam.Scheduler;
using Cam.Scheduler.Jobs;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Jobs.Tests;

/// <summary>The scheduler's outcome consumers on MassTransit's test harness: each report counts once, and the last one ends the job.</summary>
public class ShardOutcomeConsumerTests
{
    private const int MaxAttempts = 2;

    /// <summary>A job of two published shards (items 0–1 and 2), enumerated; its items as the workers left them are up to each test.</summary>
    private static async Task<(SchedulerHarness Harness, Guid Job)> StartAsync(string provider)
    {
        var (storage, settings) = await TestDatabases.CreateAsync(provider);
        await storage.DisposeAsync();
        var harness = await SchedulerHarness.StartAsync(settings, new SchedulerSettings { MaxAttempts = MaxAttempts }, backgroundServices: false);
        var job = Guid.NewGuid();
        await harness.Store.CreateJobAsync(job, "{}");
        for (var shard = 0; shard < 2; shard++)
        {
            var numbers = shard == 0 ? new[] { 0, 1 } : [2];
            await harness.Store.AddShardAsync(job, shard, numbers.Select(n => new ItemRow
            {
                JobId = job, Number = n, ShardNumber = shard, Path = $"{n}.png", State = ItemState.Pending,
            }).ToList());
            Assert.Equal(1, await harness.Shards.TryPublishAsync(job, shard, 0, DateTime.UtcNow.AddMinutes(5)));
        }
        await harness.Store.MarkEnumerationDoneAsync(job);
        return (harness, job);
    }

    private static ShardCompleted Completed(Guid job, int shard, int succeeded) => new()
    {
        JobId = job, ShardNumber = shard, Attempt = 1, Succeeded = succeeded, Failed = 0, Results = succeeded, Seconds = 1,
    };

    /// <summary>What an older worker's transaction leaves (one that stores without completing the shard): a result per item, the items
    /// explained.</summary>
    private static async Task MarkSucceededAsync(SchedulerHarness harness, Guid job, int shard)
    {
        long[] numbers = shard == 0 ? [0, 1] : [2];
        var results = numbers.Select(n => new ResultRow
        {
            JobId = job, ItemNumber = n, Method = "cam", Layer = "layer4", ClassIndex = 0, MapHeight = 1, MapWidth = 1,
            Map = BitConverter.GetBytes(1f),
        }).ToList();
        await harness.Services.GetRequiredService<ResultWriter>().WriteAsync(new ShardOutput(job, results, [], numbers, []));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_completion_report_whose_results_are_not_in_the_database_counts_nothing(string provider)
    {
        var (harness, job) = await StartAsync(provider);
        await using var _ = harness;

        // The worker's transaction was acknowledged and then lost by the server: its report arrives, the rows do not.
        await harness.Bus.Bus.Publish(Completed(job, 1, 1));
        await ConsumedAsync<ShardCompleted>(harness, 1);
        await using (var db = await harness.Services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync())
            Assert.Equal(ShardState.Published, (await db.Shards.SingleAsync(s => s.JobId == job && s.Number == 1)).State);
        Assert.Equal((0, 0L, 0L), await CountedAsync(harness, job));

        // Once the rows are there (as an older worker stores them before it reports), the same report counts.
        await MarkSucceededAsync(harness, job, 1);
        await harness.Bus.Bus.Publish(Completed(job, 1, 1));
        await ConsumedAsync<ShardCompleted>(harness, 2);
        Assert.Equal((1, 1L, 1L), await CountedAsync(harness, job));
    }

    /// <summary>What the job has counted: finished shards, succeeded items, results.</summary>
    private static async Task<(int, long, long)> CountedAsync(SchedulerHarness harness, Guid job)
    {
        var row = (await harness.Store.GetJobAsync(job))!;
        return (row.FinishedShards, row.SucceededItems, row.Results);
    }

    private static async Task ConsumedAsync<T>(SchedulerHarness harness, int count) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (harness.Bus.Consumed.Select<T>().Count() < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{count} {typeof(T).Name} messages were not consumed within 30 s");
            await Task.Delay(20);
        }
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_completion_report_counts_its_shard_once_however_often_it_arrives_and_the_last_shard_ends_the_job(string provider)
    {
        var (harness, job) = await StartAsync(provider);
        await using var _ = harness;

        await MarkSucceededAsync(harness, job, 0);
        await harness.Bus.Bus.Publish(Completed(job, 0, 2));
        await harness.Bus.Bus.Publish(Completed(job, 0, 2));
        await ConsumedAsync<ShardCompleted>(harness, 2);
        var running = (await harness.Store.GetJobAsync(job))!;
        Assert.Equal((JobState.Running, 1), (running.State, running.FinishedShards));

        await MarkSucceededAsync(harness, job, 1);
        await harness.Bus.Bus.Publish(Completed(job, 1, 1));
        var done = await harness.WaitForJobAsync(job, j => j.State != JobState.Running, TimeSpan.FromSeconds(30));
        Assert.Equal((JobState.Completed, 2, 3L, 0L), (done.State, done.FinishedShards, done.SucceededItems, done.FailedItems));
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_failure_report_retries_the_shard_until_its_attempts_run_out_then_its_items_become_errors_with_the_reason(string provider)
    {
        var (harness, job) = await StartAsync(provider);
        await using var _ = harness;
        await MarkSucceededAsync(harness, job, 1);
        await harness.Bus.Bus.Publish(Completed(job, 1, 1));

        // Attempt 1 fails: the shard goes back to pending; the same report again is not counted twice.
        await harness.Bus.Bus.Publish(new ShardFailed { JobId = job, ShardNumber = 0, Attempt = 1, Reason = "first reason" });
        await harness.Bus.Bus.Publish(new ShardFailed { JobId = job, ShardNumber = 0, Attempt = 1, Reason = "first reason" });
        await ConsumedAsync<ShardFailed>(harness, 2);
        await ConsumedAsync<ShardCompleted>(harness, 1);
        await using (var db = await harness.Services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync())
        {
            var shard = await db.Shards.SingleAsync(s => s.JobId == job && s.Number == 0);
            Assert.Equal((ShardState.Pending, 1), (shard.State, shard.Failures));
            Assert.Equal(0, await db.ItemErrors.CountAsync(e => e.JobId == job));
        }
        var running = (await harness.Store.GetJobAsync(job))!;
        Assert.True(running.State == JobState.Running,
            $"{running.State}: {running.FinishedShards}/{running.TotalShards} shards, {running.SucceededItems} succeeded, {running.FailedItems} " +
                $"failed, error {running.Error}");

        // Attempt 2, the last one, fails: both items get the reason, and the job ends with errors.
        Assert.Equal(2, await harness.Shards.TryPublishAsync(job, 0, 1, DateTime.UtcNow.AddMinutes(5)));
        await harness.Bus.Bus.Publish(new ShardFailed { JobId = job, ShardNumber = 0, Attempt = 2, Reason = "last reason" });
        var done = await harness.WaitForJobAsync(job, j => j.State != JobState.Running, TimeSpan.FromSeconds(30));
        Assert.Equal((JobState.CompletedWithErrors, 1L, 2L), (done.State, done.SucceededItems, done.FailedItems));
        await using (var db = await harness.Services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync())
        {
            var errors = await db.ItemErrors.Where(e => e.JobId == job).OrderBy(e => e.ItemNumber).ToListAsync();
            Assert.Equal(new long[] { 0, 1 }, errors.Select(e => e.ItemNumber!.Value));
            Assert.All(errors, e => Assert.Equal("last reason", e.Message));
            Assert.Equal(ShardState.Failed, (await db.Shards.SingleAsync(s => s.JobId == job && s.Number == 0)).State);
        }
    }
}
