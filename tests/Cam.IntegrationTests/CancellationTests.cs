using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Cam.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

[Collection(ClusterCollection.Name)]
public sealed class CancellationTests(ServicesFixture services, ITestOutputHelper log)
{
    [Fact]
    public async Task Cancelling_a_job_stops_it_and_no_worker_keeps_working_on_it()
    {
        using var dataset = TestDataset.Create(goodItems: 120);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset);

        var id = await cluster.SubmitAsync(["scorecam"], shardSize: 8);
        await cluster.WaitForResultsAsync(id, 1, TimeSpan.FromMinutes(2));
        using var response = await cluster.Http.PostAsync($"/api/jobs/{id}/cancel", null);
        response.EnsureSuccessStatusCode();
        Assert.Equal("cancelled", (await response.Content.ReadFromJsonAsync<JsonObject>())!["state"]!.GetValue<string>());
        var atCancel = await cluster.ResultRowsAsync(id);

        // The shards queued behind the cancelled job's are served, and then every worker stops: nothing is left that
        // could still write for the cancelled job.
        var next = await cluster.SubmitAsync(["cam"], shardSize: 4);
        Assert.Equal("completed", TestCluster.State(await cluster.WaitForEndAsync(next, TimeSpan.FromMinutes(4))));
        foreach (var worker in cluster.Workers.ToList())
            Assert.True(await worker.TerminateAsync(TimeSpan.FromSeconds(90)), $"{worker.Name} did not stop");

        Assert.InRange(atCancel, 1, 119);
        Assert.Equal(atCancel, await cluster.ResultRowsAsync(id));
        Assert.Equal("cancelled", TestCluster.State(await cluster.JobAsync(id)));
        Assert.Equal(0L, await cluster.Postgres.ScalarAsync<long>(
            "SELECT count(*) FROM shards WHERE job_id = @id AND state IN ('pending', 'published', 'running')", ("id", id)));
        Assert.Equal(0u, await services.RabbitMq.MessageCountAsync(Cam.Contracts.QueueNames.ExplainShard));
    }
}
