using Cam.Contracts;
using Cam.Datasets;
using Cam.Scheduler.Jobs;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Audit.Tests;

public class SliceQueriesTests
{
    private static readonly string[] Labels = ["circle", "cross", "square"];

    /// <summary>The item's meta: three cameras (one written as a number), and items without the key or without meta.</summary>
    private static string? MetaOf(long n) => (n % 5) switch
    {
        0 => """{"camera":"A","site":"x"}""",
        1 => """{"camera":"B"}""",
        2 => """{"camera": 7}""",
        3 => """{"site":"y"}""",
        _ => n % 2 == 0 ? null : """{"camera":"A"}""",
    };

    private static string Expected(long n) =>
        (n % 5) switch { 0 => "A", 1 => "B", 2 => "7", 3 => SliceAudit.Missing, _ => n % 2 == 0 ? SliceAudit.Missing : "A" };

    /// <summary>80 items with meta, stored through the scheduler's item rows, and random results for them (rank 0 and a rank-1 the audit leaves
    /// out).</summary>
    internal static async Task<(Guid Job, List<ResultRow> Rows)> SeedAsync(ServiceProvider services, int seed = 11)
    {
        var store = services.GetRequiredService<JobStore>();
        var job = Guid.NewGuid();
        await store.CreateJobAsync(job, """{"dataset":"manifest.csv","model":"m","methods":[{"name":"cam"}]}""");
        var items = Enumerable.Range(0, 80)
            .Select(n => ItemRows.From(job, 0, new DatasetItem(n, $"{n}.png", $"{n}.png", null, [], MetaOf(n))).Row).ToList();
        await store.AddShardAsync(job, 0, items);
        var random = new Random(seed);
        var rows = new List<ResultRow>();
        foreach (var item in items)
        {
            var predicted = random.Next(3);
            int? label = item.Number % 7 == 6 ? null : random.NextDouble() < 0.7 ? predicted : (predicted + 1) % 3;
            var withBox = item.Number % 4 != 0;
            rows.Add(new ResultRow
            {
                JobId = job, ItemNumber = item.Number, Method = "cam", Layer = "features", ClassIndex = predicted, ClassRank = 0,
                Probability = random.NextSingle(), Energy = random.NextSingle(), MapHeight = 1, MapWidth = 2,
                Map = ResultRow.EncodeMap([2 * random.NextSingle(), 1]),
                PredictedClass = predicted, LabelClass = label, PointingHit = withBox ? random.NextDouble() < 0.6 : null,
                EnergyInBox = withBox ? random.NextSingle() : null, AverageDrop = item.Number % 3 == 0 ? null : random.NextSingle(),
                DeletionArea = random.NextSingle(), InsertionArea = random.NextSingle(),
            });
            rows.Add(new ResultRow
            {
                JobId = job, ItemNumber = item.Number, Method = "cam", Layer = "features", ClassIndex = (predicted + 1) % 3, ClassRank = 1,
                Probability = 0.01f, MapHeight = 1, MapWidth = 2, Map = ResultRow.EncodeMap([0, 1]), PredictedClass = predicted,
                LabelClass = label, EnergyInBox = 0.99f,
            });
        }
        await services.GetRequiredService<ResultWriter>().WriteAsync(new ShardOutput(job, rows, [], items.Select(i => i.Number).ToList(), []));
        return (job, rows);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Aggregates_grouped_by_a_meta_key_in_the_database_equal_an_independent_computation_per_slice(string provider)
    {
        var (services, _) = await TestDatabases.CreateAsync(provider);
        await using var _services = services;
        var (job, rows) = await SeedAsync(services);
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var queries = new SliceQueries(db, job, "camera");
        var primary = rows.Where(r => r.ClassRank == 0).ToList();

        var methods = await queries.MethodsAsync("cam", "features", default);
        Assert.Equal([SliceAudit.Missing, "7", "A", "B"], methods.Select(m => SliceAudit.Name(m.Slice)).Order(StringComparer.Ordinal));
        foreach (var (slice, m) in methods)
        {
            var mine = primary.Where(r => Expected(r.ItemNumber) == SliceAudit.Name(slice)).ToList();
            Assert.Equal(mine.Count, m.Maps);
            Assert.Equal(mine.Average(r => (double)r.Probability), m.MeanProbability, 5);
            Assert.Equal(mine.Average(r => (double)r.Energy), m.MeanEnergy, 5);
            Assert.Equal((double)mine.Count(r => r.PointingHit == true) / mine.Count(r => r.PointingHit != null), m.PointingGame!.Value, 9);
            Assert.Equal(mine.Where(r => r.EnergyInBox != null).Average(r => (double)r.EnergyInBox!.Value), m.EnergyInBox!.Value, 5);
            Assert.Equal(mine.Where(r => r.AverageDrop != null).Average(r => (double)r.AverageDrop!.Value), m.AverageDrop!.Value, 5);
            Assert.Equal(mine.Average(r => (double)r.DeletionArea!.Value), m.DeletionArea!.Value, 5);
        }

        var classes = await queries.ClassesAsync("cam", "features", Labels, default);
        Assert.Equal(4 * 3, classes.Count);
        foreach (var (slice, c) in classes)
        {
            var inSlice = primary.Where(r => Expected(r.ItemNumber) == SliceAudit.Name(slice)).ToList();
            var mine = inSlice.Where(r => r.ClassIndex == c.ClassIndex).ToList();
            Assert.Equal(mine.Count, c.Maps);
            if (mine.Count > 0) Assert.Equal(mine.Average(r => (double)r.Probability), c.MeanProbability, 5);
            var labelled = inSlice.Where(r => r.LabelClass == c.ClassIndex).ToList();
            Assert.Equal(labelled.Count, c.LabelledItems);
            if (labelled.Count > 0) Assert.Equal((double)labelled.Count(r =>
                r.PredictedClass == r.LabelClass) / labelled.Count, c.Accuracy!.Value, 9);
        }

        var accuracy = await queries.AccuracyAsync("cam", "features", default);
        foreach (var name in new[] { "A", "B", "7", SliceAudit.Missing })
        {
            var labelled = primary.Where(r => Expected(r.ItemNumber) == name && r.LabelClass != null).ToList();
            Assert.Equal(labelled.Count, accuracy[name].Labelled);
            Assert.Equal((double)labelled.Count(r => r.PredictedClass == r.LabelClass) / labelled.Count, accuracy[name].Accuracy, 9);
        }

        // The per-item values the bootstrap resamples are the same rows, with the same slices.
        var values = await ItemValues.ReadAsync(db, job, "cam", "features", "camera", default);
        Assert.Equal(primary.Select(r => (r.ItemNumber, Expected(r.ItemNumber))).Order(),
            values.Select(v => (v.Item, SliceAudit.Name(v.Slice))).Order());

        // The stored meta is the manifest's object (PostgreSQL's jsonb orders keys its own way).
        var stored = await db.Items.Where(i => i.JobId == job).OrderBy(i => i.Number).Select(i => i.Meta).Take(4).ToListAsync();
        var first = System.Text.Json.Nodes.JsonNode.Parse(stored[0]!)!.AsObject();
        Assert.Equal(("A", "x", 2), (first["camera"]!.GetValue<string>(), first["site"]!.GetValue<string>(), first.Count));
        Assert.Equal(7, System.Text.Json.Nodes.JsonNode.Parse(stored[2]!)!["camera"]!.GetValue<int>());
        Assert.Null(System.Text.Json.Nodes.JsonNode.Parse(stored[3]!)!["camera"]);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task The_audit_by_a_meta_key_has_one_slice_per_value_with_intervals_around_its_means(string provider)
    {
        var (services, settings) = await TestDatabases.CreateAsync(provider);
        await using var _services = services;
        var (job, rows) = await SeedAsync(services);
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var root = Path.GetTempPath();
        var audit = await new AuditBuilder(db,
            new AuditOptions { DataRoot = root, ModelRoot = root, GallerySize = 1, SliceBy = "camera" }).BuildAsync(job);

        var slices = audit.Slices!;
        Assert.Equal("camera", slices.Key);
        Assert.Equal([SliceAudit.Missing, "7", "A", "B"], slices.Slices.Select(s => s.Value));
        foreach (var s in slices.Slices)
        {
            var m = Assert.Single(s.Methods);
            Assert.Equal(rows.Count(r => r.ClassRank == 0 && Expected(r.ItemNumber) == s.Value), s.Items);
            Assert.True(m.Intervals["pointingGame"].Contains(m.PointingGame!.Value));
            Assert.True(m.Intervals["energyInBox"].Contains(m.EnergyInBox!.Value));
            Assert.True(s.AccuracyInterval!.Contains(s.Accuracy!.Value));
            Assert.Equal(3, s.MeanMaps.Count(x => x.Method == "cam"));
        }
        Assert.True(audit.AccuracyInterval!.Contains(audit.Accuracy!.Value));
        Assert.All(audit.Classes, c => Assert.True(c.Intervals["meanProbability"].Contains(c.MeanProbability)));
    }

    [Fact]
    public void Meta_that_is_not_a_JSON_object_makes_the_item_an_error_and_is_not_stored()
    {
        var (row, error) = ItemRows.From(Guid.NewGuid(), 0, new DatasetItem(0, "a.png", "a.png", null, [], "camera=A"));
        Assert.Null(row.Meta);
        Assert.Equal(ItemState.Failed, row.State);
        Assert.Contains("meta 'camera=A' is not a JSON object", error);
        var (nul, nulError) = ItemRows.From(Guid.NewGuid(), 0, new DatasetItem(0, "a.png", "a.png", null, [], """{"camera":"\u0000"}"""));
        Assert.Null(nul.Meta);
        Assert.NotNull(nulError);
    }

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_meta_value_reads_the_same_text_on_both_databases_booleans_included(string provider)
    {
        var (services, _) = await TestDatabases.CreateAsync(provider);
        await using var _services = services;
        var job = Guid.NewGuid();
        await services.GetRequiredService<JobStore>().CreateJobAsync(job, "{}");
        string?[] metas = ["""{"flag":true}""", """{"flag":false}""", """{"flag":"true"}""", """{"flag":12}""", """{"flag":"x y"}""",
            """{"other":1}""", null];
        var items = metas.Select((m, n) => ItemRows.From(job, 0, new DatasetItem(n, $"{n}.png", $"{n}.png", null, [], m)).Row).ToList();
        await services.GetRequiredService<JobStore>().AddShardAsync(job, 0, items);
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();

        var values = await db.Items.Where(i => i.JobId == job).OrderBy(i => i.Number).Select(i => AuditSql.MetaValue(i.Meta, "flag")).ToListAsync();

        Assert.Equal(["true", "false", "true", "12", "x y", null, null], values);
    }

    [Fact]
    public void A_meta_key_that_would_need_quoting_in_a_JSON_path_is_refused()
    {
        Assert.True(AuditSql.IsValidMetaKey("camera"));
        Assert.True(AuditSql.IsValidMetaKey("scanner-id.v2"));
        Assert.False(AuditSql.IsValidMetaKey("a\"b"));
        Assert.False(AuditSql.IsValidMetaKey(""));
        Assert.Throws<ArgumentException>(() => new SliceQueries(null!, Guid.Empty, "x')--"));
    }
}
