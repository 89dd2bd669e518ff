using Cam.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

[Collection(ClusterCollection.Name)]
public sealed class WorkerFaultTests(ServicesFixture services, ITestOutputHelper log)
{
    [Fact]
    public async Task A_worker_killed_mid_shard_has_its_shard_redelivered_and_no_result_is_lost_or_duplicated()
    {
        using var dataset = TestDataset.Create(goodItems: 48);
        // The dead worker's claim runs out after the lease: a short one keeps the test short.
        await using var cluster =
            await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 1, WorkerBatchSize = 4, LeaseSeconds = 10 });
        var doomed = cluster.Processes.Single(p => p.Name.StartsWith("worker"));

        var id = await cluster.SubmitAsync(["scorecam"], shardSize: 12);
        var before = await cluster.WaitForResultsAsync(id, 1, TimeSpan.FromMinutes(2));
        doomed.Kill();
        var atKill = await cluster.ResultRowsAsync(id);
        Assert.InRange(atKill, before, 47);
        await cluster.StartWorkerAsync();
        var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3));

        Assert.Equal("completed", TestCluster.State(job));
        Assert.Equal(48, await cluster.ResultRowsAsync(id));
        Assert.Equal(48, await cluster.Postgres.ScalarAsync<long>(
            "SELECT count(DISTINCT item_number) FROM results WHERE job_id = @id", ("id", id)));
        // The job's own tally counts each result once, though part of a shard was written twice.
        Assert.Equal(48, job["results"]!.GetValue<long>());
        Assert.Equal(48, job["succeeded"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_worker_sent_SIGTERM_finishes_its_shard_and_exits_cleanly()
    {
        using var dataset = TestDataset.Create(goodItems: 24);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 1, WorkerBatchSize = 4 });
        var worker = cluster.Processes.Single(p => p.Name.StartsWith("worker"));

        var id = await cluster.SubmitAsync(["scorecam"], shardSize: 12);
        await cluster.WaitForResultsAsync(id, 1, TimeSpan.FromMinutes(2));
        Assert.True(await worker.TerminateAsync(TimeSpan.FromSeconds(60)), "the worker did not stop within its stop timeout");
        Assert.Equal(0, worker.ExitCode);
        // It finished every shard it held (12 items each; the second too when the broker handed it over just before
        // the signal) rather than leaving one half done: whole shards of results, and no shard left claimed.
        var afterStop = await cluster.ResultRowsAsync(id);
        var completed = await cluster.Postgres.ScalarAsync<long>("SELECT count(*) FROM shards WHERE job_id = @id AND state = 'completed'",
            ("id", id));
        var running = await cluster.Postgres.ScalarAsync<long>("SELECT count(*) FROM shards WHERE job_id = @id AND state = 'running'", ("id", id));
        Assert.True(completed >= 1, "the shard it held when told to stop was not finished");
        Assert.Equal(12 * completed, afterStop);
        Assert.Equal(0, running);

        await cluster.StartWorkerAsync();
        var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3));
        Assert.Equal("completed", TestCluster.State(job));
        Assert.Equal(24, await cluster.ResultRowsAsync(id));
    }
}
