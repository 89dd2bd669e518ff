using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cam.Contracts;
using Cam.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

/// <summary>How shards are leased, claimed, retried and given up on.</summary>
[Collection(ClusterCollection.Name)]
public sealed partial class ShardAttemptTests(ServicesFixture services, ITestOutputHelper log)
{
    [Fact]
    public async Task Copies_of_a_shard_published_again_while_it_waited_in_the_queue_are_dropped_and_each_shard_is_computed_once()
    {
        using var dataset = TestDataset.Create(goodItems: 16);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions
        {
            Workers = 0, LeaseSeconds = 4, WorkerBatchSize = 4,
            Environment = new Dictionary<string, string>
            {
                ["CAM_SHARD_QUEUE_TIMEOUT_SECONDS"] = "4",
                // Two shards out at a time: copies of the first two are in the queue ahead of the last two shards.
                ["CAM_MAX_OUTSTANDING_SHARDS"] = "2",
                // Whether a copy is computed shows in the worker's log; the engine's cost would only slow the test.
                ["CAM_WORKER_NOOP"] = "true",
            },
        });

        var id = await cluster.SubmitAsync(["scorecam"], shardSize: 4);
        // No worker yet: the first two shards wait in the queue until each has been published three times.
        await WaitAsync(async () => await cluster.Postgres.ScalarAsync<long>(
            "SELECT count(*) FROM shards WHERE job_id = @id AND attempts >= 3", ("id", id)) == 2, TimeSpan.FromMinutes(1),
                "two shards published three times");
        var worker = await cluster.StartWorkerAsync();
        var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3));

        Assert.Equal("completed", TestCluster.State(job));
        Assert.Equal(16, await cluster.ResultRowsAsync(id));
        var computed = worker.Output.Select(l => ExplainedLine().Match(l)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        Assert.Equal([0, 1, 2, 3], computed.Order());
        Assert.True(worker.Output.Count(l => l.Contains(" dropped: ")) >= 4, "the older copies of the first two shards were not dropped");
    }

    [Fact]
    public async Task A_shard_that_fails_deterministically_is_tried_three_times_then_its_items_become_errors_with_the_reason()
    {
        using var dataset = TestDataset.Create(goodItems: 6);
        using var models = new TestModelRoot();
        models.AddDemo("damaged");
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 0, ModelRoot = models.Root });
        var id = await cluster.SubmitAsync(["cam"], shardSize: 3, model: "damaged");
        // Accepted while sound; damaged before any worker loads it (a header entry without dtype).
        models.EditWeightsHeader("damaged", h => h["fc.bias"]!.AsObject().Remove("dtype"));
        await cluster.StartWorkerAsync();

        var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3));

        Assert.Equal("failed", TestCluster.State(job));
        Assert.Equal(6, job["failed"]!.GetValue<long>());
        var shards = await cluster.Postgres.RowsAsync("SELECT state, failures FROM shards WHERE job_id = @id", ("id", id));
        Assert.Equal(2, shards.Count);
        Assert.All(shards, s => Assert.Equal(("failed", 3), ((string)s[0], (int)s[1])));
        var errors = (await cluster.Http.GetFromJsonAsync<JsonObject>($"/api/jobs/{id}/errors"))!["items"]!.AsArray();
        Assert.Equal(6, errors.Count);
        Assert.All(errors, e => Assert.Contains("NullReferenceException", e!["message"]!.GetValue<string>()));
        Assert.Contains("NullReferenceException", job["error"]!.GetValue<string>());
        Assert.All(cluster.Processes, p => Assert.False(p.HasExited, $"{p.Name} exited"));
    }

    [Fact]
    public async Task A_shard_that_kills_every_worker_that_takes_it_ends_failed_and_the_rest_of_the_job_completes()
    {
        using var dataset = TestDataset.Create(goodItems: 12);
        // The worker starts after the submission (which then waits for no model probe): one worker at a time.
        await using var cluster =
            await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 0, LeaseSeconds = 6, WorkerBatchSize = 2 });
        // Shard 1 (items 4 to 7) cannot store its results: a worker that takes it stays in it until it is killed, so
        // each of its claims is seen by the poll below, however fast the worker explains.
        await using var hold = await ResultsHold.StartAsync(cluster.Postgres, firstItem: 4, lastItem: 7);
        var id = await cluster.SubmitAsync(["scorecam"], shardSize: 4);
        await cluster.StartWorkerAsync();

        // Whenever a worker claims shard 1, it dies (as on a stack overflow or an out-of-memory kill).
        var kills = 0;
        var lastKilledAttempt = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
        while (!TestCluster.IsFinal(await cluster.JobOrNullAsync(id)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"job {id} did not end; {kills} workers killed");
            var claimed = await cluster.Postgres.RowsAsync(
                "SELECT attempts FROM shards WHERE job_id = @id AND number = 1 AND state = 'running'", ("id", id));
            if (claimed.Count == 1 && (int)claimed[0][0] > lastKilledAttempt)
            {
                foreach (var worker in cluster.Workers.Where(w => !w.HasExited)) worker.Kill();
                await hold.EndWaitingSessionsAsync();
                kills++;
                lastKilledAttempt = (int)claimed[0][0];
                await cluster.StartWorkerAsync();
            }
            await Task.Delay(50);
        }

        var job = await cluster.JobAsync(id);
        Assert.Equal("completed_with_errors", TestCluster.State(job));
        Assert.Equal(3, kills);
        Assert.Equal((8L, 4L), (job["succeeded"]!.GetValue<long>(), job["failed"]!.GetValue<long>()));
        var shards = await cluster.Postgres.RowsAsync("SELECT number, state, failures FROM shards WHERE job_id = @id ORDER BY number", ("id", id));
        Assert.Equal(("failed", 3), ((string)shards[1][1], (int)shards[1][2]));
        Assert.All(shards.Where(s => (int)s[0] != 1), s => Assert.Equal("completed", (string)s[1]));
        Assert.Equal(8, await cluster.ResultRowsAsync(id));
    }

    [Fact]
    public async Task A_shard_message_whose_consumer_keeps_dying_is_dead_lettered_after_the_delivery_limit()
    {
        using var dataset = TestDataset.Create(goodItems: 1);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 1 });
        var worker = cluster.Workers.Single();
        Assert.True(await worker.TerminateAsync(TimeSpan.FromSeconds(60)));

        await using var connection = await services.RabbitMq.ConnectAsync();
        await using (var channel = await connection.CreateChannelAsync())
        {
            var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true };
            await channel.BasicPublishAsync("", QueueNames.ExplainShard, mandatory: true, properties, Encoding.UTF8.GetBytes("{\"message\": {}}"));
        }
        var deliveries = 0;
        for (var i = 0; i < 20; i++)
        {
            // A consumer takes the message and dies before acknowledging it: the broker gets it back.
            await using var channel = await connection.CreateChannelAsync();
            if (await channel.BasicGetAsync(QueueNames.ExplainShard, autoAck: false) is null) break;
            deliveries++;
            await channel.CloseAsync();
        }

        Assert.InRange(deliveries, 2, QueueNames.ShardDeliveryLimit + 1);
        Assert.Equal(0u, await services.RabbitMq.MessageCountAsync(QueueNames.ExplainShard));
        Assert.Equal(1u, await services.RabbitMq.MessageCountAsync(QueueNames.ExplainShard + "_error"));
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not reached within {timeout.TotalSeconds:F0} s: {what}");
            await Task.Delay(200);
        }
    }

    [GeneratedRegex(@"shard [0-9a-f-]+/(\d+) \(attempt \d+\): \d+ items explained")]
    private static partial Regex ExplainedLine();
}
