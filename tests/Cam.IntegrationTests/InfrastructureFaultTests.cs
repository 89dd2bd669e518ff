using Cam.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

[Collection(ClusterCollection.Name)]
public sealed class InfrastructureFaultTests(ServicesFixture services, ITestOutputHelper log)
{
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

    /// <summary>Starts a 40-item job, applies <paramref name="fault"/> once results flow, and checks that every result arrives once.</summary>
    private async Task CompletesThroughAsync(Func<Task> fault)
    {
        using var dataset = TestDataset.Create(goodItems: 40);
        // A shard message consumed while the fault lasts can be lost with it; such a shard is published again once a
        // shard published after it has been claimed (two minutes after its publication by default, 20 s here).
        // Testcontainers' PostgreSQL runs with synchronous_commit=off, so the outage can also lose a commit it had
        // acknowledged: the worker's report then finds nothing stored, and the shard runs again when its claim runs out.
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions
        {
            Environment = new Dictionary<string, string> { ["CAM_SHARD_OVERTAKEN_SECONDS"] = "20" },
        });

        var id = await cluster.SubmitAsync(["scorecam"], shardSize: 5);
        await cluster.WaitForResultsAsync(id, 1, TimeSpan.FromMinutes(2));
        await fault();
        var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(4));

        Assert.Equal("completed", TestCluster.State(job));
        Assert.Equal(40, await cluster.ResultRowsAsync(id));
        Assert.Equal(40, job["results"]!.GetValue<long>());
        Assert.All(cluster.Processes, p => Assert.False(p.HasExited, $"{p.Name} exited"));
    }

    [Fact]
    public async Task A_scheduler_killed_and_restarted_mid_job_resumes_the_job_from_the_database()
    {
        using var dataset = TestDataset.Create(goodItems: 40);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset);

        var id = await cluster.SubmitAsync(["cam"], shardSize: 4);
        await cluster.WaitForResultsAsync(id, 1, TimeSpan.FromMinutes(2));
        cluster.Scheduler.Kill();
        await cluster.StartSchedulerAsync();
        var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3));

        Assert.Equal("completed", TestCluster.State(job));
        Assert.Equal(40, await cluster.ResultRowsAsync(id));
        Assert.Equal(40, job["succeeded"]!.GetValue<long>());
    }
}
