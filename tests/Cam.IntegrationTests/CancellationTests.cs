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

        // A worker notices between batches; give the batch in flight time to end, then nothing more may arrive.
        await Task.Delay(TimeSpan.FromSeconds(8));
        var settled = await cluster.ResultRowsAsync(id);
        await Task.Delay(TimeSpan.FromSeconds(8));
        Assert.Equal(settled, await cluster.ResultRowsAsync(id));
        Assert.InRange(settled, 1, 119);
        Assert.Equal("cancelled", TestCluster.State(await cluster.JobAsync(id)));
        Assert.Equal(0u, await services.RabbitMq.MessageCountAsync(Cam.Contracts.QueueNames.ExplainShard));
    }
}
