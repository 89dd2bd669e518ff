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
    public async Task A_malformed_message_goes_to_the_error_queue_and_the_worker_carries_on()
    {
        using var dataset = TestDataset.Create(goodItems: 8);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 1 });

        await using (var connection = await services.RabbitMq.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true };
            await channel.BasicPublishAsync("", QueueNames.ExplainShard, mandatory: true, properties, Encoding.UTF8.GetBytes("{\"message\": {\"jobId\": 42, "));
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
