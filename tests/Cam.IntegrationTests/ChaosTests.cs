using Cam.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

[Collection(ClusterCollection.Name)]
public sealed class ChaosTests(ServicesFixture services, ITestOutputHelper log)
{
    [Fact]
    public async Task Workers_killed_at_random_and_a_broker_restart_neither_lose_nor_duplicate_a_result_of_a_2000_item_job()
    {
        Assert.True(services.RabbitMq.CanRestart, "this test restarts the broker's container");
        const int items = 2000;
        using var dataset = TestDataset.Create(goodItems: items);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions
        {
            Workers = 3, LeaseSeconds = 8,
            Environment = new Dictionary<string, string>
            {
                // The pipeline alone (no model): the test is about shards, claims and messages, and stays short.
                ["CAM_WORKER_NOOP"] = "true",
                // Few shards out at once, so that the job lasts long enough to be hit many times.
                ["CAM_MAX_OUTSTANDING_SHARDS"] = "2",
                // A shard may be hit by several kills in a row; none of them is its fault.
                ["CAM_SHARD_MAX_ATTEMPTS"] = "50",
            },
        });

        var id = await cluster.SubmitAsync(["cam", "scorecam"], classes: "top:2", shardSize: 20);
        // Chaos paced by the job's progress, so that it lands while the job runs on a fast machine and a slow one: a
        // worker killed at each twelfth of the results (a few seconds apart), the broker restarted at a quarter.
        const long expectedRows = items * 2 * 2;
        var killAt = new Queue<long>(Enumerable.Range(1, 11).Select(i => expectedRows * i / 12));
        var random = new Random(12);
        var kills = 0;
        var brokerRestarted = false;
        var live = cluster.Workers.ToList();
        var starting = new List<Task<CamProcess>>();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(6);
        while (!TestCluster.IsFinal(await cluster.JobOrNullAsync(id)))
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"job {id} did not end within 6 minutes ({kills} kills, broker restarted: " +
                $"{brokerRestarted}): {await ProgressAsync(cluster, id)}");
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1500, 3000)));
            live.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            starting.RemoveAll(t => t.IsCompletedSuccessfully);
            var stored = await cluster.ResultRowsAsync(id);
            if (!brokerRestarted && stored >= expectedRows / 4)
            {
                log.WriteLine($"restarting the broker: {await ProgressAsync(cluster, id)}");
                await services.RabbitMq.RestartAsync(TimeSpan.FromSeconds(2));
                brokerRestarted = true;
                continue;
            }
            if (killAt.Count == 0 || stored < killAt.Peek() || live.Count == 0) continue;
            // A random running worker dies at once; its replacement starts meanwhile (workers take seconds to start).
            killAt.Dequeue();
            var victim = live[random.Next(live.Count)];
            victim.Kill();
            live.Remove(victim);
            kills++;
            starting.Add(cluster.StartWorkerAsync());
        }
        await Task.WhenAll(starting);
        log.WriteLine($"{kills} workers killed, broker restarted: {brokerRestarted}; {await ProgressAsync(cluster, id)}");

        var job = await cluster.JobAsync(id);
        Assert.Equal("completed", TestCluster.State(job));
        Assert.True(brokerRestarted && kills >= 5, $"the job ended before the chaos had its say: {kills} kills, broker restarted: {brokerRestarted}");
        var rows = await cluster.Postgres.RowsAsync(
            "SELECT item_number, method, class_index, count(*) FROM results WHERE job_id = @id GROUP BY 1, 2, 3", ("id", id));
        Assert.Equal(items * 2 * 2, rows.Count);
        Assert.All(rows, r => Assert.Equal(1L, (long)r[3]));
        var expected = Enumerable.Range(0, items)
            .SelectMany(i => new[] { "cam", "scorecam" }.SelectMany(m => new[] { 0, 1 }.Select(c => ((long)i, m, c))));
        Assert.Equal(expected.Order(), rows.Select(r => ((long)r[0], (string)r[1], (int)r[2])).Order());
        Assert.Equal(items * 2 * 2, job["results"]!.GetValue<long>());
    }

    /// <summary>Results stored and shards per state, for the log and for a failure's message.</summary>
    private static async Task<string> ProgressAsync(TestCluster cluster, Guid id)
    {
        var states = await cluster.Postgres.RowsAsync(
            "SELECT state, count(*), max(attempts), max(failures) FROM shards WHERE job_id = @id GROUP BY state ORDER BY state", ("id", id));
        return $"{await cluster.ResultRowsAsync(id)} results; shards " +
               string.Join(", ", states.Select(s => $"{s[0]} {s[1]} (attempts up to {s[2]}, failures up to {s[3]})"));
    }
}
