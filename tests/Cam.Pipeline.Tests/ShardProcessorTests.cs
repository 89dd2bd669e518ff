using Cam.Contracts;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Worker;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Pipeline.Tests;

public class ShardProcessorTests
{
    private static async Task<(ServiceProvider Services, Guid Job, ExplainShard Shard)> SetUpAsync(DemoWorkspace workspace)
    {
        var services = new ServiceCollection()
            .AddLogging()
            .AddCamStorage(StorageSettings.SqliteFile(Path.Combine(workspace.Root, "cam.db")))
            .AddCamWorker(new WorkerSettings { DataRoot = workspace.DataRoot, ModelRoot = workspace.ModelRoot, BatchSize = 3 })
            .BuildServiceProvider();
        await services.GetRequiredService<CamMigrator>().MigrateAsync();
        var store = services.GetRequiredService<JobStore>();
        var job = Guid.NewGuid();
        await store.CreateJobAsync(job, "{}");
        var lines = File.ReadAllLines(Path.Combine(workspace.DataRoot, "shapes", "manifest.csv")).Skip(1).ToList();
        var items = lines.Select((l, n) => new ItemRow { JobId = job, Number = n, ShardNumber = 0, Path = l.Split(',')[0], Label = l.Split(',')[1], State = ItemState.Pending }).ToList();
        await store.AddShardAsync(job, 0, items);
        await store.MarkEnumerationDoneAsync(job);
        await store.TryLeaseAsync(job, 0, 0, DateTime.UtcNow.AddMinutes(5));
        var shard = new ExplainShard
        {
            JobId = job, ShardNumber = 0, Attempt = 1, Model = new ModelReference("shapes-model"),
            Methods = [new MethodSpec("scorecam"), new MethodSpec("iscam", NumSamples: 2)], Classes = ClassPolicy.Top(1), DatasetRoot = "shapes",
            Items = items.Select(i => new ItemRef(i.Number, i.Number, i.Path, i.Label)).ToList(),
        };
        return (services, job, shard);
    }

    [Fact]
    public async Task AShardDeliveredTwiceYieldsTheSameRowsAsOnce()
    {
        using var workspace = new DemoWorkspace(images: 5);
        var (services, job, shard) = await SetUpAsync(workspace);
        await using var _ = services;
        var processor = services.GetRequiredService<ShardProcessor>();
        var first = await processor.ProcessAsync(shard, CancellationToken.None);
        var second = await processor.ProcessAsync(shard with { Attempt = 2 }, CancellationToken.None);
        Assert.Equal((5, 3, 10), (first.Succeeded, first.Failed, first.Results));
        Assert.Equal((first.Succeeded, first.Failed, first.Results), (second.Succeeded, second.Failed, second.Results));

        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        Assert.Equal(10, await db.Results.CountAsync(r => r.JobId == job));
        Assert.Equal(3, await db.ItemErrors.CountAsync(e => e.JobId == job));
        Assert.True(await services.GetRequiredService<JobStore>().TryCompleteShardAsync(first));
        Assert.False(await services.GetRequiredService<JobStore>().TryCompleteShardAsync(second));
        Assert.Equal(JobState.CompletedWithErrors, await services.GetRequiredService<JobStore>().TryFinishJobAsync(job));
    }

    [Fact]
    public async Task ACancelledJobsShardIsNotWorkedOn()
    {
        using var workspace = new DemoWorkspace(images: 4, withBadItems: false);
        var (services, job, shard) = await SetUpAsync(workspace);
        await using var _ = services;
        Assert.True(await services.GetRequiredService<JobStore>().TryCancelAsync(job));
        await Assert.ThrowsAsync<JobEndedException>(() => services.GetRequiredService<ShardProcessor>().ProcessAsync(shard, CancellationToken.None));
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        Assert.Equal(0, await db.Results.CountAsync(r => r.JobId == job));
    }

    [Fact]
    public async Task AModelOutsideTheModelRootFailsTheShardNotTheWorker()
    {
        using var workspace = new DemoWorkspace(images: 1, withBadItems: false);
        var (services, _, shard) = await SetUpAsync(workspace);
        await using var __ = services;
        var error = await Assert.ThrowsAsync<ShardFailureException>(() =>
            services.GetRequiredService<ShardProcessor>().ProcessAsync(shard with { Model = new ModelReference("../../etc") }, CancellationToken.None));
        Assert.Contains("outside the model root", error.Message);
    }
}
