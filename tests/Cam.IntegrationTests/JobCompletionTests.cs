using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cam.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

[Collection(ClusterCollection.Name)]
public sealed class JobCompletionTests(ServicesFixture services, ITestOutputHelper log)
{
    private const int Items = 20;

    /// <summary>
    /// Three shards of 8 (the last one partial) over two workers. The wait allows three minutes without progress, not
    /// three in all: at load 36–40 on two cores the job moved at 0.09 items/s and ran past a fixed three minutes.
    /// </summary>
    [Fact]
    public async Task A_job_over_demo_images_stores_exactly_one_result_per_item_method_and_class()
    {
        using var dataset = TestDataset.Create(goodItems: Items);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset);

        var id = await cluster.SubmitAsync(["cam", "scorecam"], classes: "top:2", shardSize: 8);
        var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3));

        Assert.Equal("completed", TestCluster.State(job));
        Assert.Equal(Items, job["succeeded"]!.GetValue<long>());
        var expected = Items * 2L * 2;
        Assert.Equal(expected, job["results"]!.GetValue<long>());
        var rows = await cluster.Postgres.RowsAsync(
            "SELECT item_number, method, class_rank, count(*) FROM results WHERE job_id = @id GROUP BY 1, 2, 3", ("id", id));
        Assert.Equal(expected, rows.Count);
        Assert.All(rows, r => Assert.Equal(1L, (long)r[3]));
        Assert.Equal(Items, rows.Select(r => (long)r[0]).Distinct().Count());

        // The API pages the same rows, maps included, with the shape the map has.
        var page = (await cluster.Http.GetFromJsonAsync<JsonObject>($"/api/jobs/{id}/results?limit=5"))!;
        var items = page["items"]!.AsArray();
        Assert.Equal(5, items.Count);
        foreach (var item in items)
        {
            var shape = item!["shape"]!.AsArray().Select(v => v!.GetValue<int>()).ToArray();
            Assert.Equal(shape[0] * shape[1], item["map"]!.AsArray().Count);
            Assert.InRange(item["probability"]!.GetValue<float>(), 0f, 1f);
        }
    }
}
