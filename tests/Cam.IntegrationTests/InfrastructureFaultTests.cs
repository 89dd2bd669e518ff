using Cam.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

/// <summary>
/// Faults of the infrastructure met by a running job. Each job is kept mid-way when the fault comes: at most two of its
/// shards are out at a time (<c>CAM_MAX_OUTSTANDING_SHARDS</c>), so most of it can only run after the fault, through
/// the faulted part; each test asserts results before the fault, fewer than the job's total at the fault, and all of
/// them after it.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class InfrastructureFaultTests(ServicesFixture services, ITestOutputHelper log)
{
    private const int Items = 40;

    [Fact]
    public async Task A_RabbitMQ_restart_mid_job_is_survived_by_workers_and_scheduler_and_the_job_completes()
    {
        Assert.True(services.RabbitMq.CanRestart, "this test restarts the broker's container; it cannot run against CAM_IT_RABBITMQ");
        await CompletesThroughAsync(() => services.RabbitMq.RestartAsync(TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public async Task PostgreSQL_unavailable_for_a_while_delays_the_job_but_loses_no_result()
    {
        Assert.True(services.Postgres.CanStop, "this test stops the database's container; it cannot run against CAM_IT_POSTGRES");
        await CompletesThroughAsync(() => services.Postgres.OutageAsync(TimeSpan.FromSeconds(8)));
    }

    /// <summary>
    /// Starts a 40-item job (8 shards of 5, two out at a time), applies <paramref name="fault"/> once results flow while
    /// the job is short of its total, and checks that every result arrives once.
    /// </summary>
    private async Task CompletesThroughAsync(Func<Task> fault)
    {
        using var dataset = TestDataset.Create(goodItems: Items);
        // A shard message consumed while the fault lasts can be lost with it; such a shard is published again once a
        // shard published after it has been claimed (two minutes after its publication by default, 20 s here).
        // Testcontainers' PostgreSQL runs with synchronous_commit=off, so the outage can also lose a commit it had
        // acknowledged: the worker's report then finds nothing stored, and the shard runs again when its claim runs out.
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions
        {
            Workers = 0, Environment =
                new Dictionary<string, string> { ["CAM_SHARD_OVERTAKEN_SECONDS"] = "20", ["CAM_MAX_OUTSTANDING_SHARDS"] = "2" },
        });

        var id = await SubmitThenStartWorkersAsync(cluster, shardSize: 5);
        await cluster.WaitForResultsAsync(id, 1, TimeSpan.FromMinutes(2));
        var atFault = await cluster.ResultRowsAsync(id);
        await fault();
        var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(4));
        log.WriteLine($"{atFault} of {Items} results stored when the fault came");

        Assert.InRange(atFault, 1, Items - 1);
        Assert.Equal("completed", TestCluster.State(job));
        Assert.Equal(Items, await cluster.ResultRowsAsync(id));
        Assert.Equal(Items, job["results"]!.GetValue<long>());
        Assert.All(cluster.Processes, p => Assert.False(p.HasExited, $"{p.Name} exited"));
    }

    [Fact]
    public async Task A_scheduler_killed_and_restarted_mid_job_resumes_the_job_from_the_database()
    {
        using var dataset = TestDataset.Create(goodItems: Items);
        // Two shards out at a time: what the workers hold when the scheduler dies is all they can do without it.
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions
        {
            Workers = 0, Environment = new Dictionary<string, string> { ["CAM_MAX_OUTSTANDING_SHARDS"] = "2" },
        });

        var id = await SubmitThenStartWorkersAsync(cluster, shardSize: 4);
        await cluster.WaitForResultsAsync(id, 1, TimeSpan.FromMinutes(2));
        cluster.Scheduler.Kill();
        var atKill = await cluster.ResultRowsAsync(id);
        // Without a scheduler the workers finish the shards they were sent and stop there, the job short of its total.
        await WaitAsync(async () => await cluster.Postgres.ScalarAsync<long>(
            "SELECT count(*) FROM shards WHERE job_id = @id AND state IN ('published', 'running')", ("id", id)) == 0, TimeSpan.FromMinutes(2));
        var withoutScheduler = await cluster.ResultRowsAsync(id);
        await cluster.StartSchedulerAsync();
        var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3));
        log.WriteLine($"{atKill} of {Items} results stored when the scheduler died, {withoutScheduler} before it came back");

        Assert.InRange(atKill, 1, Items - 1);
        Assert.InRange(withoutScheduler, atKill, Math.Min(Items - 1, atKill + 2 * 4));
        Assert.Equal("completed", TestCluster.State(job));
        Assert.Equal(Items, await cluster.ResultRowsAsync(id));
        Assert.Equal(Items, job["succeeded"]!.GetValue<long>());
    }

    /// <summary>Submits a Score-CAM job with no worker up (the submission waits for no model probe), then starts two.</summary>
    private static async Task<Guid> SubmitThenStartWorkersAsync(TestCluster cluster, int shardSize)
    {
        var id = await cluster.SubmitAsync(["scorecam"], shardSize: shardSize);
        for (var i = 0; i < 2; i++) await cluster.StartWorkerAsync();
        return id;
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"the workers still held shards {timeout.TotalSeconds:F0} s after the scheduler died");
            await Task.Delay(200);
        }
    }
}
