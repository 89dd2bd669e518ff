using System.Text.Json.Nodes;
using Cam.Contracts;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;

namespace Cam.Export.Tests;

/// <summary>
/// A job exported by <see cref="JobExporter"/> and read back by DuckDB holds, row for row, what the store holds:
/// on SQLite and on PostgreSQL (when CAM_TEST_POSTGRES names a server).
/// </summary>
public sealed class ExportTests : IDisposable
{
    public static TheoryData<string> Providers() => TestDatabases.Providers();

    private static readonly string[] Labels = ["cat", "dog", "fox"];
    private readonly string folder = Directory.CreateTempSubdirectory("cam-export-test-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task DuckDB_reads_back_every_result_with_the_values_the_store_holds_in_several_row_groups(string provider)
    {
        var (services, _) = await TestDatabases.CreateAsync(provider);
        await using var _s = services;
        var factory = services.GetRequiredService<IDbContextFactory<CamDbContext>>();
        var job = await SeedAsync(services);
        var exporter = new JobExporter(factory, Options() with { RowGroupRows = 5 });

        var summary = await exporter.ExportAsync(job, Path.Combine(folder, "out"));

        var stored = await StoredAsync(factory, job);
        var table = await DuckDbReader.ReadAsync(summary.Results);
        Assert.Equal(stored.Count, summary.ResultRows);
        Assert.Equal(stored.Count, table.Rows.Count);
        Assert.Equal((stored.Count + 4) / 5, table.RowGroups);
        Assert.Equal("FLOAT[]", table.Types["map"]);
        Assert.Equal("BIGINT", table.Types["item"]);
        Assert.Equal("FLOAT", table.Types["score"]);
        // 'site' and 'scanner' are in every item's meta, 'note' in one only.
        Assert.Contains("meta_site", table.Types.Keys);
        Assert.Contains("meta_scanner", table.Types.Keys);
        Assert.DoesNotContain("meta_note", table.Types.Keys);
        for (var i = 0; i < stored.Count; i++) AssertRow(stored[i], table.Rows[i]);

        var errors = await DuckDbReader.ReadAsync(summary.Errors);
        await using var db = await factory.CreateDbContextAsync();
        var storedErrors = await db.ItemErrors.Where(e => e.JobId == job).ToListAsync();
        Assert.Equal(storedErrors.Count, errors.Rows.Count);
        // Job-level errors (no item) come first.
        Assert.Null(errors.Rows[0]["item"]);
        Assert.Equal("scorecam", errors.Rows[0]["method"]!.GetValue<string>());
        var itemError = storedErrors.Single(e => e.ItemNumber is not null);
        var row = errors.Rows.Single(r => r["item"] is not null);
        Assert.Equal(itemError.ItemNumber, row["item"]!.GetValue<long>());
        Assert.Equal(itemError.Stage, row["stage"]!.GetValue<string>());
        Assert.Null(row["method"]);
        Assert.Equal(itemError.Message, row["message"]!.GetValue<string>());
        Assert.Equal(new DateTimeOffset(itemError.At).ToUnixTimeMilliseconds(), row["at"]!.GetValue<long>());
    }

    [Fact]
    public async Task A_stream_that_cannot_seek_or_write_synchronously_receives_the_same_parquet_file()
    {
        var (services, _) = await TestDatabases.CreateAsync("sqlite");
        await using var _s = services;
        var factory = services.GetRequiredService<IDbContextFactory<CamDbContext>>();
        var job = await SeedAsync(services);
        var file = Path.Combine(folder, "streamed.parquet");
        await using (var target = new AsyncOnlyFileStream(file))
        await using (var stream = new ForwardOnlyStream(target))
            await new JobExporter(factory, Options() with { RowGroupRows = 4 }).WriteResultsAsync(job, stream, null);

        var stored = await StoredAsync(factory, job);
        var table = await DuckDbReader.ReadAsync(file);
        Assert.Equal(stored.Count, table.Rows.Count);
        for (var i = 0; i < stored.Count; i++) AssertRow(stored[i], table.Rows[i]);
    }

    [Fact]
    public async Task Csv_and_png_maps_hold_the_stored_values()
    {
        var (services, _) = await TestDatabases.CreateAsync("sqlite");
        await using var _s = services;
        var factory = services.GetRequiredService<IDbContextFactory<CamDbContext>>();
        var job = await SeedAsync(services);
        var summary = await new JobExporter(factory, Options() with { Format = ExportFormat.Csv, Maps = MapExport.Png })
            .ExportAsync(job, Path.Combine(folder, "csv"));

        var stored = await StoredAsync(factory, job);
        var table = await DuckDbReader.ReadAsync(summary.Results);
        Assert.Equal(stored.Count, table.Rows.Count);
        for (var i = 0; i < stored.Count; i++)
        {
            var (result, _) = stored[i];
            var row = table.Rows[i];
            Assert.Equal(result.ItemNumber, row["item"]!.GetValue<long>());
            // CSV holds the float's shortest round-trip text, which DuckDB reads as a double.
            Assert.Equal(result.Score, (float)row["score"]!.GetValue<double>());
            // A grey PNG: round(255 · v) per value, row-major, of the map's own size.
            using var png = SKBitmap.Decode(Path.Combine(folder, "csv", row["map_png"]!.GetValue<string>()));
            Assert.Equal((result.MapWidth, result.MapHeight), (png.Width, png.Height));
            var values = result.MapValues();
            for (var p = 0; p < values.Length; p++)
                Assert.Equal((byte)Math.Round(255 * Math.Clamp(values[p], 0, 1)), png.GetPixel(p % result.MapWidth, p / result.MapWidth).Red);
        }
    }

    [Fact]
    public async Task Exporting_a_job_the_database_does_not_hold_names_it()
    {
        var (services, _) = await TestDatabases.CreateAsync("sqlite");
        await using var _s = services;
        var missing = Guid.NewGuid();
        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            new JobExporter(services.GetRequiredService<IDbContextFactory<CamDbContext>>(), Options()).ExportAsync(missing, folder));
        Assert.Contains(missing.ToString(), e.Message);
    }

    private ExportOptions Options()
    {
        var package = Path.Combine(folder, "models", "demo");
        Directory.CreateDirectory(package);
        File.WriteAllText(Path.Combine(package, "model.json"), """{"numClasses": 3, "labels": ["cat", "dog", "fox"]}""");
        return new ExportOptions { ModelRoot = Path.Combine(folder, "models") };
    }

    private static void AssertRow((ResultRow Result, ItemRow Item) expected, JsonObject row)
    {
        var (r, item) = expected;
        Assert.Equal(r.ItemNumber, row["item"]!.GetValue<long>());
        Assert.Equal(item.Path, row["path"]!.GetValue<string>());
        Assert.Equal(item.Label, row["label"]?.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(item.Meta!), JsonNode.Parse(row["meta"]!.GetValue<string>())));
        var meta = JsonNode.Parse(item.Meta!)!;
        Assert.Equal(meta["site"]!.GetValue<string>(), row["meta_site"]!.GetValue<string>());
        Assert.Equal(meta["scanner"]!.ToJsonString(), row["meta_scanner"]!.GetValue<string>());
        Assert.Equal(r.Method, row["method"]!.GetValue<string>());
        Assert.Equal(r.Layer, row["layer"]!.GetValue<string>());
        Assert.Equal(r.ClassIndex, row["class_index"]!.GetValue<int>());
        Assert.Equal(Labels[r.ClassIndex], row["class_name"]!.GetValue<string>());
        Assert.Equal(r.ClassRank, row["rank"]!.GetValue<int>());
        Assert.Equal((double)r.Score, row["score"]!.GetValue<double>());
        Assert.Equal((double)r.Probability, row["probability"]!.GetValue<double>());
        Assert.Equal(r.PredictedClass < 0 ? null : r.PredictedClass, row["predicted_class"]?.GetValue<int>());
        Assert.Equal(r.LabelClass, row["label_class"]?.GetValue<int>());
        Assert.Equal((r.PeakY, r.PeakX), (row["peak_y"]!.GetValue<int>(), row["peak_x"]!.GetValue<int>()));
        Assert.Equal((double)r.Energy, row["energy"]!.GetValue<double>());
        Assert.Equal(r.PointingHit, row["pointing_hit"]?.GetValue<bool>());
        Assert.Equal((double?)r.EnergyInBox, row["energy_in_box"]?.GetValue<double>());
        Assert.Equal((double?)r.AverageDrop, row["average_drop"]?.GetValue<double>());
        Assert.Equal(r.IncreaseInConfidence, row["increase_in_confidence"]?.GetValue<bool>());
        Assert.Equal((double?)r.DeletionArea, row["deletion_area"]?.GetValue<double>());
        Assert.Equal((double?)r.InsertionArea, row["insertion_area"]?.GetValue<double>());
        Assert.Equal(r.Metrics, row["metrics"]?.GetValue<string>());
        Assert.Equal((r.MapHeight, r.MapWidth), (row["map_height"]!.GetValue<int>(), row["map_width"]!.GetValue<int>()));
        Assert.Equal(r.MapValues().Select(v => (double)v), row["map"]!.AsArray().Select(v => v!.GetValue<double>()));
    }

    /// <summary>What the store holds, in the export's order, read through EF (not the export's SQL).</summary>
    private static async Task<List<(ResultRow Result, ItemRow Item)>> StoredAsync(IDbContextFactory<CamDbContext> factory, Guid job)
    {
        await using var db = await factory.CreateDbContextAsync();
        var results = await db.Results.AsNoTracking().Where(r => r.JobId == job).ToListAsync();
        var items = await db.Items.AsNoTracking().Where(i => i.JobId == job).ToDictionaryAsync(i => i.Number);
        return results.OrderBy(r => r.ItemNumber).ThenBy(r => r.Method, StringComparer.Ordinal).ThenBy(r => r.Layer, StringComparer.Ordinal)
            .ThenBy(r => r.ClassIndex).Select(r => (r, items[r.ItemNumber])).ToList();
    }

    /// <summary>
    /// Five items (item 4 failed to decode), each explained by two methods for two classes with 2×3 maps; metrics
    /// on some rows only; a job-level error for one method.
    /// </summary>
    private static async Task<Guid> SeedAsync(ServiceProvider services)
    {
        var store = services.GetRequiredService<JobStore>();
        var job = Guid.NewGuid();
        await store.CreateJobAsync(job, """{"dataset": "d", "model": "demo"}""");
        var items = Enumerable.Range(0, 5).Select(n => new ItemRow
        {
            JobId = job, Number = n, ShardNumber = 0, Path = $"images/{n}, \"odd\".png", Label = n == 3 ? null : Labels[n % 3],
            Meta = n == 2 ? """{"site":"B","scanner":7,"note":"rescan"}""" : $$"""{"site":"{{(n < 2 ? "A" : "C")}}","scanner":{{n}}}""",
            State = n == 4 ? ItemState.Failed : ItemState.Succeeded,
        }).ToList();
        await store.AddShardAsync(job, 0, items);
        var random = new Random(28);
        var results = new List<ResultRow>();
        foreach (var n in Enumerable.Range(0, 4))
            foreach (var method in new[] { "scorecam", "gradcam" })
                for (var rank = 0; rank < 2; rank++)
                {
                    var map = Enumerable.Range(0, 6).Select(_ => random.NextSingle()).ToArray();
                    var withMetrics = (n + rank) % 2 == 0;
                    results.Add(new ResultRow
                    {
                        JobId = job, ItemNumber = n, Method = method, Layer = "layer4", ClassIndex = (n + 2 * rank) % 3, ClassRank = rank,
                        Score = random.NextSingle() * 10 - 5, Probability = random.NextSingle(), MapHeight = 2, MapWidth = 3,
                        Map = ResultRow.EncodeMap(map), PeakY = rank, PeakX = 2 - rank, Energy = random.NextSingle(),
                        PredictedClass = n == 1 ? -1 : n % 3, LabelClass = n == 3 ? null : n % 3,
                        PointingHit = withMetrics ? rank == 0 : null, EnergyInBox = withMetrics ? random.NextSingle() : null,
                        AverageDrop = withMetrics ? random.NextSingle() : null, IncreaseInConfidence = withMetrics ? n % 2 == 0 : null,
                        DeletionArea = withMetrics ? random.NextSingle() : null, InsertionArea = withMetrics ? random.NextSingle() : null,
                        Metrics = withMetrics ? """{"average_drop":0.25,"custom":1}""" : null,
                    });
                }
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        db.Results.AddRange(results);
        db.ItemErrors.Add(new ItemErrorRow
        {
            JobId = job, ItemNumber = 4, Stage = "decode", Message = "not an image, \"truncated\"", At = DateTime.UtcNow
        });
        db.ItemErrors.Add(new ItemErrorRow
        {
            JobId = job, ItemNumber = null, Stage = "method", Method = "scorecam", Message = "no layer", At = DateTime.UtcNow
        });
        await db.SaveChangesAsync();
        return job;
    }

    /// <summary>A file that refuses synchronous writes and seeking, as an HTTP response body does.</summary>
    private sealed class AsyncOnlyFileStream(string path) : Stream
    {
        private readonly FileStream file = File.Create(path);
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => throw new InvalidOperationException("synchronous flush");
        public override Task FlushAsync(CancellationToken ct) => file.FlushAsync(ct);
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("synchronous write");
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken ct = default) => file.WriteAsync(buffer, ct);

        public override async ValueTask DisposeAsync()
        {
            await file.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
