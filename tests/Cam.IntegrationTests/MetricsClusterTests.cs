using System.Globalization;
using System.Text.RegularExpressions;
using Cam.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

/// <summary>A distributed run (scheduler and two workers on PostgreSQL and RabbitMQ): every process's /metrics, against the database.</summary>
[Collection(ClusterCollection.Name)]
public sealed class MetricsClusterTests(ServicesFixture services, ITestOutputHelper log)
{
    [Fact]
    public async Task Every_process_serves_metrics_whose_counters_agree_with_the_database_after_a_job()
    {
        using var dataset = TestDataset.Create(goodItems: 24);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset);
        var id = await cluster.SubmitAsync(["cam", "scorecam"], classes: "top:1", shardSize: 4);
        var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3));
        Assert.Equal("completed", TestCluster.State(job));

        using var anonymous = new HttpClient { Timeout = TimeSpan.FromSeconds(10) }; // /metrics needs no key
        var workers = new List<string>();
        foreach (var worker in cluster.Workers) workers.Add(await anonymous.GetStringAsync($"http://127.0.0.1:{worker.Port}/metrics"));
        Assert.Equal(2, workers.Count);
        var succeeded = (long)(await cluster.Postgres.RowsAsync("SELECT count(*) FROM items WHERE job_id = @id AND state = 'succeeded'",
            ("id", id)))[0][0];
        Assert.Equal(24, succeeded);
        var ofJob = $"cam_job=\"{id}\"";
        Assert.Equal(succeeded, workers.Sum(w => Sum(w, "cam_items_processed_total", ofJob, "cam_outcome=\"succeeded\"")));
        var perMethod = (await cluster.Postgres.RowsAsync("SELECT method, count(*) FROM results WHERE job_id = @id GROUP BY method", ("id", id)))
            .ToDictionary(r => (string)r[0], r => (long)r[1]);
        Assert.Equal(["cam", "scorecam"], perMethod.Keys.Order());
        foreach (var (method, count) in perMethod)
            Assert.Equal(count, workers.Sum(w => Sum(w, "cam_results_total", ofJob, $"cam_method=\"{method}\"")));
        Assert.All(workers, w => Assert.Contains("cam_shard_duration_seconds_bucket", w));

        // The scheduler's gauges read the database every few seconds: they reach its counts.
        using var scheduler = new HttpClient { BaseAddress = cluster.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string scraped;
        do
        {
            scraped = await scheduler.GetStringAsync("/metrics");
            if (Sum(scraped, "cam_job_items", ofJob, "cam_item_state=\"succeeded\"") == succeeded) break;
            await Task.Delay(500);
        } while (DateTime.UtcNow < deadline);
        Assert.Equal(succeeded, Sum(scraped, "cam_job_items", ofJob, "cam_item_state=\"succeeded\""));
        Assert.Equal(24, Sum(scraped, "cam_items_enumerated_total", ofJob));
        Assert.True(Sum(scraped, "cam_shards_published_total", ofJob) >= 6, "6 shards published");
        Assert.DoesNotContain(dataset.Root, scraped); // no dataset string in the metrics
    }

    /// <summary>The sum of a series' samples whose labels include all of <paramref name="labels"/> (Prometheus' text format).</summary>
    private static double Sum(string scraped, string name, params string[] labels) =>
        Regex.Matches(scraped, $@"^{name}\{{([^}}]*)\}} ([^ \n]+)", RegexOptions.Multiline)
            .Where(m => labels.All(l => m.Groups[1].Value.Contains(l, StringComparison.Ordinal)))
            .Sum(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
}
