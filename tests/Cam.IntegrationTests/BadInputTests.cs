using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Cam.Contracts;
using Cam.IntegrationTests.Infrastructure;
using RabbitMQ.Client;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

[Collection(ClusterCollection.Name)]
public sealed class BadInputTests(ServicesFixture services, ITestOutputHelper log)
{
    [Fact]
    public async Task Corrupt_missing_and_hostile_items_end_as_item_errors_while_the_rest_completes()
    {
        using var dataset = TestDataset.Create(goodItems: 12, withBadItems: true);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset);

        var id = await cluster.SubmitAsync(["cam"], shardSize: 5);
        var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3));

        Assert.Equal("completed_with_errors", TestCluster.State(job));
        Assert.Equal(12, job["succeeded"]!.GetValue<long>());
        Assert.Equal(3, job["failed"]!.GetValue<long>());
        Assert.Equal(12, await cluster.ResultRowsAsync(id));
        var errors = (await cluster.Http.GetFromJsonAsync<JsonObject>($"/api/jobs/{id}/errors"))!["items"]!.AsArray()
            .Select(e => (Stage: e!["stage"]!.GetValue<string>(), Message: e["message"]!.GetValue<string>())).ToList();
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Message.Contains("corrupt.png"));
        Assert.Contains(errors, e => e.Message.Contains("missing.png"));
        Assert.Contains(errors, e => e.Stage == "path" && e.Message.Contains("outside"));
    }

    [Fact]
    public async Task A_manifest_of_good_and_hostile_lines_explains_exactly_the_good_items_and_records_one_error_per_hostile_line()
    {
        using var dataset = TestDataset.CreateHostile(goodItems: 12, format: "jsonl");
        await using var cluster = await TestCluster.StartAsync(services, log, dataset);

        var id = await cluster.SubmitAsync(["cam"], shardSize: 4);
        var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(3));

        var expected = dataset.Expected;
        var good = Enumerable.Range(0, expected.Count).Where(n => expected[n] is null).Select(n => (long)n).ToList();
        var hostile = Enumerable.Range(0, expected.Count).Where(n => expected[n] is not null).Select(n => ((long)n, expected[n]!)).ToList();
        Assert.Equal("completed_with_errors", TestCluster.State(job));
        Assert.Equal((good.Count, hostile.Count), (job["succeeded"]!.GetValue<long>(), job["failed"]!.GetValue<long>()));
        var errors = (await cluster.Http.GetFromJsonAsync<JsonObject>($"/api/jobs/{id}/errors"))!["items"]!.AsArray()
            .Select(e => (Item: e!["item"]!.GetValue<long>(), Stage: e["stage"]!.GetValue<string>(),
                Message: e["message"]!.GetValue<string>())).ToList();
        Assert.Equal(hostile.Order(), errors.Select(e => (e.Item, e.Stage)).Order());
        var explained = await cluster.Postgres.RowsAsync("SELECT DISTINCT item_number FROM results WHERE job_id = @id", ("id", id));
        Assert.Equal(good, explained.Select(r => (long)r[0]).Order());
        Assert.Equal(good.Count, await cluster.ResultRowsAsync(id));

        var nul = errors.Single(e => e.Message.Contains("NUL"));
        var stored = await cluster.Postgres.ScalarAsync<string>("SELECT path FROM items WHERE job_id = @id AND number = @n",
            ("id", id), ("n", nul.Item));
        Assert.Equal("hostile/nul\\0.png", stored);
        Assert.All(cluster.Processes, p => Assert.False(p.HasExited, $"{p.Name} exited"));
    }

    [Fact]
    public async Task A_malformed_message_goes_to_the_error_queue_and_the_worker_carries_on()
    {
        using var dataset = TestDataset.Create(goodItems: 8);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 1 });

        await using (var connection = await services.RabbitMq.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true };
            await channel.BasicPublishAsync("", QueueNames.ExplainShard, mandatory: true, properties,
                Encoding.UTF8.GetBytes("{\"message\": {\"jobId\": 42, "));
        }
        var errorQueue = QueueNames.ExplainShard + "_error";
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await services.RabbitMq.MessageCountAsync(errorQueue) is not 1u && DateTime.UtcNow < deadline) await Task.Delay(250);
        Assert.Equal(1u, await services.RabbitMq.MessageCountAsync(errorQueue));

        var id = await cluster.SubmitAsync(["cam"], shardSize: 4);
        var job = await cluster.WaitForEndAsync(id, TimeSpan.FromMinutes(2));
        Assert.Equal("completed", TestCluster.State(job));
        Assert.Equal(8, await cluster.ResultRowsAsync(id));
        Assert.All(cluster.Processes, p => Assert.False(p.HasExited, $"{p.Name} exited"));
    }
}
