using Cam.Contracts;
using Cam.Storage;
using Cam.Tests.Shared;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Audit.Tests;

public class AuditQueriesTests
{
    private static readonly string[] Labels = ["circle", "cross", "square"];

    /// <summary>Random but reproducible results for 60 items × 2 methods, some with boxes and metrics, written by the worker's writer.</summary>
    private static async Task<(Guid Job, List<ResultRow> Rows)> SeedAsync(ServiceProvider services)
    {
        var store = services.GetRequiredService<JobStore>();
        var writer = services.GetRequiredService<ResultWriter>();
        var job = Guid.NewGuid();
        await store.CreateJobAsync(job, """{"dataset":"manifest.csv","model":"m","methods":[{"name":"scorecam"},{"name":"cam"}]}""");
        var items = Enumerable.Range(0, 60)
            .Select(n => new ItemRow { JobId = job, Number = n, ShardNumber = 0, Path = $"images/{n}.png", State = ItemState.Pending }).ToList();
        await store.AddShardAsync(job, 0, items);
        var random = new Random(7);
        var rows = new List<ResultRow>();
        foreach (var item in items)
        {
            var predicted = random.Next(3);
            int? label = item.Number % 10 == 9 ? null : random.NextDouble() < 0.8 ? predicted : (predicted + 1) % 3;
            var withBox = item.Number % 4 != 0;
            foreach (var method in new[] { "cam", "scorecam" })
            {
                var map = Enumerable.Range(0, 4).Select(_ => random.NextSingle()).ToArray();
                var bytes = new byte[16];
                Buffer.BlockCopy(map, 0, bytes, 0, 16);
                var withMetrics = method == "scorecam" && item.Number % 3 != 0;
                rows.Add(new ResultRow
                {
                    JobId = job, ItemNumber = item.Number, Method = method, Layer = "features", ClassIndex = predicted, ClassRank = 0,
                    Score = random.NextSingle() * 5, Probability = random.NextSingle(), MapHeight = 2, MapWidth = 2, Map = bytes,
                    PeakY = 0, PeakX = 1, Energy = random.NextSingle(), PredictedClass = predicted, LabelClass = label,
                    PointingHit = withBox ? random.NextDouble() < 0.7 : null, EnergyInBox = withBox ? random.NextSingle() : null,
                    AverageDrop = withMetrics ? random.NextSingle() : null, IncreaseInConfidence = withMetrics ? random.NextDouble() < 0.3 : null,
                    DeletionArea = withMetrics ? random.NextSingle() : null, InsertionArea = withMetrics ? random.NextSingle() : null,
                });
                // A second-ranked class, which the audit must leave out.
                rows.Add(new ResultRow
                {
                    JobId = job, ItemNumber = item.Number, Method = method, Layer = "features", ClassIndex = (predicted + 2) % 3, ClassRank = 1,
                    Probability = 0.01f, MapHeight = 2, MapWidth = 2, Map = bytes, PredictedClass = predicted,
                    LabelClass = label, EnergyInBox = 0.99f,
                });
            }
        }
        await writer.WriteAsync(new ShardOutput(job, rows, [], items.Select(i => i.Number).ToList(), []));
        return (job, rows);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Aggregates_computed_by_the_database_equal_an_independent_computation_over_the_rows(string provider)
    {
        var (services, _) = await TestDatabases.CreateAsync(provider);
        await using var _services = services;
        var (job, rows) = await SeedAsync(services);
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var queries = new AuditQueries(db, job);

        Assert.Equal([("cam", "features"), ("scorecam", "features")], await queries.PrimaryLayersAsync(default));
        var primary = rows.Where(r => r.Method == "scorecam" && r.ClassRank == 0).ToList();
        var method = await queries.MethodAsync("scorecam", "features", default);
        Assert.Equal(primary.Count, method.Maps);
        Assert.Equal(primary.Average(r => (double)r.Probability), method.MeanProbability, 5);
        Assert.Equal((double)primary.Count(r => r.PointingHit == true) / primary.Count(r => r.PointingHit != null), method.PointingGame!.Value, 9);
        Assert.Equal(primary.Where(r => r.EnergyInBox != null).Average(r => (double)r.EnergyInBox!.Value), method.EnergyInBox!.Value, 5);
        Assert.Equal(primary.Where(r => r.AverageDrop != null).Average(r => (double)r.AverageDrop!.Value), method.AverageDrop!.Value, 5);
        Assert.Equal((double)primary.Count(r => r.IncreaseInConfidence == true) / primary.Count(r => r.IncreaseInConfidence != null),
            method.IncreaseInConfidence!.Value, 9);
        Assert.Equal(primary.Where(r => r.InsertionArea != null).Average(r => (double)r.InsertionArea!.Value), method.InsertionArea!.Value, 5);
        Assert.Null((await queries.MethodAsync("cam", "features", default)).AverageDrop);

        var classes = await queries.ClassesAsync("scorecam", "features", Labels, default);
        foreach (var c in classes)
        {
            var mine = primary.Where(r => r.ClassIndex == c.ClassIndex).ToList();
            Assert.Equal(Labels[c.ClassIndex], c.Label);
            Assert.Equal(mine.Count, c.Maps);
            Assert.Equal(mine.Where(r => r.EnergyInBox != null).Average(r => (double)r.EnergyInBox!.Value), c.EnergyInBox!.Value, 5);
            var labelled = primary.Where(r => r.LabelClass == c.ClassIndex).ToList();
            Assert.Equal(labelled.Count, c.LabelledItems);
            Assert.Equal((double)labelled.Count(r => r.PredictedClass == r.LabelClass) / labelled.Count, c.Accuracy!.Value, 9);
        }
        var (accuracy, labelledItems) = await queries.AccuracyAsync("scorecam", "features", default);
        var withLabels = primary.Where(r => r.LabelClass != null).ToList();
        Assert.Equal(withLabels.Count, labelledItems);
        Assert.Equal((double)withLabels.Count(r => r.PredictedClass == r.LabelClass) / withLabels.Count, accuracy!.Value, 9);

        var histograms = await queries.DistributionsAsync("scorecam", "features", default);
        var energyHistogram = histograms.Single(h => h.Metric == "energy_in_box").Counts;
        var expected = new long[AuditQueries.HistogramBins];
        foreach (var r in primary.Where(r => r.EnergyInBox != null)) expected[Math.Min(9, (int)(r.EnergyInBox!.Value * 10))]++;
        Assert.Equal(expected, energyHistogram);
        Assert.Equal(primary.Count(r => r.DeletionArea != null), histograms.Single(h => h.Metric == "deletion_area").Counts.Sum());

        var worst = await queries.ExtremesAsync("scorecam", "features", best: false, 3, default);
        Assert.Equal(primary.Where(r => r.EnergyInBox != null).OrderBy(r => r.EnergyInBox).ThenBy(r => r.ItemNumber).Take(3)
            .Select(r => r.ItemNumber),
            worst.Select(r => r.ItemNumber));
    }
}
