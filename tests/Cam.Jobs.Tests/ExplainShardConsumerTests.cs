using Cam.Contracts;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Worker;
using MassTransit;
using MassTransit.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Jobs.Tests;

/// <summary>The worker's consumer on MassTransit's test harness: what it reports for a shard it runs, fails or must drop.</summary>
public class ExplainShardConsumerTests
{
    private static async Task<(ServiceProvider Services, ITestHarness Bus, Guid Job, ExplainShard Shard)> StartAsync(DemoWorkspace workspace)
    {
        var (services, job, shard) = await ShardProcessorTests.SetUpAsync(workspace,
            addServices: s => s.AddMassTransitTestHarness(bus => bus.AddWorkerConsumers()));
        var bus = services.GetRequiredService<ITestHarness>();
        await bus.Start();
        return (services, bus, job, shard);
    }

    [Fact]
    public async Task A_shard_it_explains_is_reported_completed_with_the_counts_it_stored()
    {
        using var workspace = new DemoWorkspace(images: 4);
        var (services, bus, job, shard) = await StartAsync(workspace);
        await using var _ = services;

        await bus.Bus.Publish(shard);
        Assert.True(await bus.Published.Any<ShardCompleted>(m => m.Context.Message.JobId == job), "no ShardCompleted was published");
        var completed = bus.Published.Select<ShardCompleted>().Single().Context.Message;

        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var items = await db.Items.Where(i => i.JobId == job).ToListAsync();
        Assert.Equal((shard.ShardNumber, shard.Attempt), (completed.ShardNumber, completed.Attempt));
        Assert.Equal(items.Count(i => i.State == ItemState.Succeeded), completed.Succeeded);
        Assert.Equal(items.Count(i => i.State == ItemState.Failed), completed.Failed);
        Assert.Equal(await db.Results.CountAsync(r => r.JobId == job), completed.Results);
        Assert.True(completed.Succeeded > 0 && completed.Failed > 0, "the demo workspace has good and bad items");
        Assert.False(await bus.Published.Any<ShardFailed>());
    }

    [Fact]
    public async Task A_shard_that_cannot_run_is_reported_failed_with_the_reason_and_the_consumer_does_not_throw()
    {
        using var workspace = new DemoWorkspace(images: 1, withBadItems: false);
        var (services, bus, job, shard) = await StartAsync(workspace);
        await using var _ = services;

        await bus.Bus.Publish(shard with { Model = new ModelReference("no-such-model") });
        Assert.True(await bus.Published.Any<ShardFailed>(m => m.Context.Message.JobId == job), "no ShardFailed was published");
        var failed = bus.Published.Select<ShardFailed>().Single().Context.Message;
        Assert.Equal(shard.Attempt, failed.Attempt);
        Assert.Contains("no-such-model", failed.Reason);
        Assert.False(await bus.Consumed.Any<ExplainShard>(m => m.Exception is not null), "the consumer threw");
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        Assert.Equal(0, await db.Results.CountAsync(r => r.JobId == job));
    }

    [Fact]
    public async Task A_copy_of_a_shard_another_worker_holds_is_dropped_without_work_or_report()
    {
        using var workspace = new DemoWorkspace(images: 2, withBadItems: false);
        var (services, bus, job, shard) = await StartAsync(workspace);
        await using var _ = services;

        // Another worker claimed the shard (its lease runs): a redelivered copy must not be worked on twice.
        Assert.NotNull(await services.GetRequiredService<ShardLifecycle>()
            .TryClaimAsync(job, shard.ShardNumber, "another-worker", TimeSpan.FromMinutes(5)));
        await bus.Bus.Publish(shard);
        Assert.True(await bus.Consumed.Any<ExplainShard>(m => m.Context.Message.JobId == job));
        Assert.False(await bus.Published.Any<ShardCompleted>(), "a copy held by another worker was reported completed");
        Assert.False(await bus.Published.Any<ShardFailed>(), "a copy held by another worker was reported failed");
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        Assert.Equal(0, await db.Results.CountAsync(r => r.JobId == job));
        Assert.Equal("another-worker", (await db.Shards.SingleAsync(s => s.JobId == job)).ClaimedBy);
    }
}
