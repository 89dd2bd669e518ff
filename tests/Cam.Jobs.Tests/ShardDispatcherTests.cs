using Cam.Contracts;
using Cam.Scheduler;
using Cam.Specs;
using Cam.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Jobs.Tests;

public class ShardDispatcherTests
{
    [Fact]
    public async Task A_job_whose_dataset_vanished_after_submission_does_not_stop_other_jobs_being_dispatched()
    {
        using var workspace = new DemoWorkspace(images: 4, withBadItems: false);
        var vanishing = Path.Combine(workspace.DataRoot, "vanishing");
        CopyDirectory(Path.Combine(workspace.DataRoot, "shapes"), vanishing);
        await using var scheduler = await SchedulerHarness.StartAsync(StorageSettings.SqliteFile(Path.Combine(workspace.Root, "cam.db")),
            new SchedulerSettings { DataRoot = workspace.DataRoot, ModelRoot = workspace.ModelRoot });
        var spec = new JobSpec { Dataset = "vanishing/manifest.csv", Model = "shapes-model", Methods = [new MethodSpec("cam")], ShardSize = 2 };

        var lost = await scheduler.Jobs.SubmitAsync(spec);
        await scheduler.WaitForJobAsync(lost, j => j.EnumerationDone, TimeSpan.FromSeconds(30));
        Directory.Delete(vanishing, recursive: true);
        var healthy = await scheduler.Jobs.SubmitAsync(spec with { Dataset = "shapes/manifest.csv" });
        await scheduler.WaitForJobAsync(healthy, j => j.EnumerationDone, TimeSpan.FromSeconds(30));

        await scheduler.Dispatcher.DispatchOnceAsync(CancellationToken.None);

        var sent = scheduler.Bus.Sent.Select<ExplainShard>().Select(m => m.Context.Message).ToList();
        Assert.Equal([0, 1], sent.Where(m => m.JobId == healthy).Select(m => m.ShardNumber).Order());
    }

    [Fact]
    public async Task A_shard_whose_message_was_lost_is_published_again_once_a_shard_published_after_it_is_claimed()
    {
        using var workspace = new DemoWorkspace(images: 6, withBadItems: false);
        await using var scheduler = await SchedulerHarness.StartAsync(StorageSettings.SqliteFile(Path.Combine(workspace.Root, "cam.db")),
            new SchedulerSettings { DataRoot = workspace.DataRoot, ModelRoot = workspace.ModelRoot, OvertakenAfter = TimeSpan.Zero },
            backgroundServices: false);
        var claims = scheduler.Services.GetRequiredService<ShardLifecycle>();
        var job = await scheduler.Jobs.SubmitAsync(new JobSpec
        {
            Dataset = "shapes/manifest.csv", Model = "shapes-model", Methods = [new MethodSpec("cam")], ShardSize = 2
        });
        await scheduler.WaitForJobAsync(job, j => j.EnumerationDone, TimeSpan.FromSeconds(30));
        List<(int Shard, int Attempt)> Sent() => scheduler.Bus.Sent.Select<ExplainShard>()
            .Select(m => (m.Context.Message.ShardNumber, m.Context.Message.Attempt)).ToList();

        await scheduler.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        Assert.Equal([(0, 1), (1, 1), (2, 1)], Sent());
        // Claimed in publication order, or not yet at all: nothing is lost.
        Assert.NotNull(await claims.TryClaimAsync(job, 0, "worker-a", TimeSpan.FromMinutes(1)));
        await scheduler.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        Assert.Equal(3, Sent().Count);

        // Shard 2 is claimed while shard 1, published before it, is not: shard 1's message was lost. That is a failed
        // attempt (a message that can never be claimed must not come back for good), and the shard goes out again.
        Assert.NotNull(await claims.TryClaimAsync(job, 2, "worker-b", TimeSpan.FromMinutes(1)));
        await scheduler.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        Assert.Equal([(0, 1), (1, 1), (2, 1), (1, 2)], Sent());
        await using (var db = await scheduler.Services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync())
        {
            var lost = await db.Shards.SingleAsync(s => s.JobId == job && s.Number == 1);
            Assert.Equal((ShardState.Published, 2, 1), (lost.State, lost.Attempts, lost.Failures));
            Assert.Contains("message of attempt 1 was lost", lost.Error);
        }
        await scheduler.Dispatcher.DispatchOnceAsync(CancellationToken.None);
        Assert.Equal(4, Sent().Count);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
