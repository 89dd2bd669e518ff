using Cam.Hosting;
using Cam.Storage;
using Cam.Worker.Telemetry;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Jobs.Tests;

[Collection(DemoJobCollection.Name)]
public class TelemetryAgreementTests(DemoJobFixture demo)
{
    [Fact]
    public async Task After_a_job_the_counters_agree_with_the_database_items_results_per_method_and_shards()
    {
        var (recorder, summary, database) = (demo.Recorder, demo.Summary, demo.Database);
        var job = (Cam.Storage.Entities.JobRow?)null;
        Dictionary<string, int> resultsPerMethod;
        await using (var services = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(database)).BuildServiceProvider())
        await using (var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync())
        {
            job = await db.Jobs.SingleAsync(j => j.Id == summary.JobId);
            resultsPerMethod = await db.Results.Where(r => r.JobId == summary.JobId).GroupBy(r => r.Method)
                .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
        }

        var id = (CamTelemetry.JobAttribute, summary.JobId.ToString());
        // The demo workspace has 10 good items and 3 bad ones: two that do not decode (a worker's item errors) and one
        // whose path leaves the data root (refused at enumeration, never sent to a worker).
        Assert.Equal((10L, 3L), (job.SucceededItems, job.FailedItems));
        Assert.Equal(job.SucceededItems, recorder.Sum("cam.items.processed", id, (CamTelemetry.OutcomeAttribute, "succeeded")));
        Assert.Equal(job.FailedItems,
            recorder.Sum("cam.items.processed", id, (CamTelemetry.OutcomeAttribute, "failed")) + recorder.Sum("cam.items.rejected", id));
        Assert.Equal(job.TotalItems, recorder.Sum("cam.items.enumerated", id));
        Assert.Equal(["cam", "scorecam"], resultsPerMethod.Keys.Order());
        foreach (var (method, count) in resultsPerMethod)
            Assert.Equal(count, recorder.Sum("cam.results", id, (WorkerTelemetry.MethodAttribute, method)));
        Assert.Equal(job.Results, recorder.Sum("cam.results", id));
        Assert.True(recorder.Sum("cam.shards.published", id) >= job.TotalShards, "every shard was published at least once");
        // Score-CAM forwards one masked input per channel of its layer and class: far more than one per item.
        Assert.True(recorder.Sum("cam.masked_forwards") >= job.SucceededItems, "Score-CAM's masked forwards are counted");
    }
}
