using Cam.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

[Collection(ClusterCollection.Name)]
public sealed class HealthTests(ServicesFixture services, ITestOutputHelper log)
{
    [Fact]
    public async Task Readiness_of_scheduler_and_worker_follows_PostgreSQL_and_RabbitMQ_going_away_and_coming_back()
    {
        Assert.True(services.Postgres.CanStop && services.RabbitMq.CanRestart, "this test stops the services' containers");
        using var dataset = TestDataset.Create(goodItems: 1);
        await using var cluster = await TestCluster.StartAsync(services, log, dataset, new ClusterOptions { Workers = 1 });
        CamProcess[] processes = [cluster.Scheduler, cluster.Workers.Single()];
        await ReadinessIsAsync(processes, 200);

        await services.Postgres.StopAsync();
        try
        {
            await ReadinessIsAsync(processes, 503);
        }
        finally
        {
            await services.Postgres.StartAgainAsync();
        }
        await ReadinessIsAsync(processes, 200);

        await services.RabbitMq.StopAsync();
        try
        {
            await ReadinessIsAsync(processes, 503);
        }
        finally
        {
            await services.RabbitMq.StartAgainAsync();
        }
        await ReadinessIsAsync(processes, 200);
        Assert.All(processes, p => Assert.False(p.HasExited, $"{p.Name} exited"));
    }

    /// <summary>Polls every process's <c>/health/ready</c> until each answers <paramref name="status"/>.</summary>
    private static async Task ReadinessIsAsync(IReadOnlyList<CamProcess> processes, int status)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        var seen = new int?[processes.Count];
        while (DateTime.UtcNow < deadline)
        {
            for (var i = 0; i < processes.Count; i++) seen[i] = await TestCluster.ReadinessAsync(processes[i]);
            if (seen.All(s => s == status)) return;
            await Task.Delay(250);
        }
        Assert.Fail($"/health/ready did not answer {status} within 90 s: " +
            $"{string.Join(", ", processes.Select((p, i) => $"{p.Name} {seen[i]?.ToString() ?? "no answer"}"))}");
    }
}
