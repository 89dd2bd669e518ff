using System.Diagnostics;
using System.Text.Json.Nodes;
using Cam.IntegrationTests.Infrastructure;
using Cam.Storage;
using SkiaSharp;
using Xunit.Abstractions;

namespace Cam.IntegrationTests;

/// <summary><c>cam bench-pipeline</c> on a small job against the collection's PostgreSQL and RabbitMQ, checked against the database.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PipelineBenchTests(ServicesFixture services, ITestOutputHelper log)
{
    /// <summary>
    /// What the results table holds on disk: <c>results</c> is partitioned by job and holds nothing itself, so the sum
    /// over its leaf partitions (each with its TOAST and indexes).
    /// </summary>
    private const string ResultsSize =
        "SELECT COALESCE(SUM(pg_total_relation_size(relid)), 0)::bigint FROM pg_partition_tree('results') WHERE isleaf";

    private static string Cam =>
        Path.Combine(TestEnvironment.RepositoryRoot, "src", "Cam.Cli", "bin", TestEnvironment.Configuration, "net10.0", "cam.dll");

    private async Task<(int ExitCode, string Output)> RunAsync(IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo(TestEnvironment.Dotnet, [Cam, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(deadline.Token);
        log.WriteLine(await errors);
        return (process.ExitCode, await output);
    }

    [Fact]
    public async Task The_benchmark_runs_a_job_through_scheduler_and_workers_and_reports_what_the_database_holds()
    {
        await services.Postgres.ResetAsync();
        var resultsBefore = await services.Postgres.ScalarAsync<long>(ResultsSize);
        using var folder = new TempDirectory();
        const int items = 1500;
        var (code, output) = await RunAsync(
        [
            "bench-pipeline", "--items", $"{items}", "--workers", "2", "--shard-size", "100", "--methods", "gradcam,scorecam", "--map-size", "7",
            "--postgres", services.Postgres.ConnectionString, "--rabbitmq", services.RabbitMq.Uri, "--out", folder.Path,
            "--plot", Path.Combine(folder.Path, "plot.png"),
        ], new Dictionary<string, string?>());
        log.WriteLine(output);
        Assert.Equal(0, code);
        var report = JsonNode.Parse(output)!.AsObject();

        var job = Guid.Parse(report["job"]!.GetValue<string>());
        Assert.Equal("completed", report["state"]!.GetValue<string>());
        Assert.Equal(items, report["items"]!.GetValue<long>());
        var stored = await services.Postgres.ScalarAsync<long>("SELECT count(*) FROM results WHERE job_id = @job", ("job", job));
        Assert.Equal(2L * items, stored); // two methods, top-1
        Assert.Equal(stored, report["results"]!.GetValue<long>());
        // Every stored map is a 7×7 map in the compact form, within [0, 1] as the no-op draws it.
        var maps = await services.Postgres.RowsAsync("SELECT map_height, map_width, map FROM results WHERE job_id = @job LIMIT 20", ("job", job));
        Assert.All(maps, row =>
        {
            Assert.Equal((7, 7), ((int)row[0], (int)row[1]));
            Assert.Equal(9 + 2 * 49, ((byte[])row[2]).Length);
            Assert.All(MapCodec.Decode((byte[])row[2]), v => Assert.InRange(v, -1e-6f, 1 + 1e-6f));
        });

        var seconds = report["seconds"]!.GetValue<double>();
        // seconds is rounded to 0.01 and the rate to 0.1: the rate lies within what those roundings allow.
        Assert.InRange(report["items_per_second"]!.GetValue<double>(), items / (seconds + 0.005) - 0.05, items / (seconds - 0.005) + 0.05);
        var tenths = report["rate_per_tenth"]!.AsArray().Select(r => r!.GetValue<double>()).ToList();
        Assert.Equal(10, tenths.Count);
        Assert.All(tenths, r => Assert.True(r > 0));
        // The tenths' durations add up to the time from the first finished item to the last: within the run.
        Assert.InRange(tenths.Sum(r => items / 10.0 / r), 0, seconds + 0.05);
        Assert.InRange(report["enumeration_seconds"]!.GetValue<double>(), 0, seconds);
        Assert.True(report["scheduler_peak_rss_mb"]!.GetValue<double>() > 20);
        Assert.Equal(2, report["worker_peak_rss_mb"]!.AsArray().Count);
        Assert.All(report["worker_peak_rss_mb"]!.AsArray(), w => Assert.True(w!.GetValue<double>() > 20));

        // Bytes per result: the results table's growth over the job's rows, as PostgreSQL measures it.
        var bytes = report["bytes_per_result"]!.AsObject();
        var growth = await services.Postgres.ScalarAsync<long>(ResultsSize) - resultsBefore;
        // The benchmark leaves out the free-space and visibility maps (at most 64 KB here) and rounds to 0.1 B a result.
        Assert.InRange(bytes["total"]!.GetValue<double>() * stored, growth - 64 * 1024, growth + 0.05 * stored + 1);
        var parts = bytes["heap"]!.GetValue<double>() + bytes["toast"]!.GetValue<double>() + bytes["indexes"]!.GetValue<double>();
        Assert.InRange(bytes["total"]!.GetValue<double>(), parts - 0.21, parts + 0.21); // each rounded to 0.1

        using var plot = SKBitmap.Decode(Path.Combine(folder.Path, "plot.png"));
        Assert.Equal((900, 500), (plot.Width, plot.Height));
        Assert.True(File.Exists(Path.Combine(folder.Path, "bench.json")));
    }

    [Fact]
    public async Task Without_PostgreSQL_and_RabbitMQ_the_benchmark_starts_nothing_and_names_what_is_missing()
    {
        using var folder = new TempDirectory();
        var target = Path.Combine(folder.Path, "run");
        var (code, output) = await RunAsync(["bench-pipeline", "--items", "10", "--out", target],
            new Dictionary<string, string?> { ["CAM_POSTGRES"] = null, ["CAM_RABBITMQ"] = null });
        Assert.Equal(2, code);
        var missing = JsonNode.Parse(output)!["missing"]!.AsArray().Select(m => m!.GetValue<string>()).ToList();
        Assert.Equal(2, missing.Count);
        Assert.Contains(missing, m => m.StartsWith("PostgreSQL"));
        Assert.Contains(missing, m => m.StartsWith("RabbitMQ"));
        Assert.False(Directory.Exists(target), "nothing is written when a service is missing");
    }

    private sealed class TempDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("cam-bench-test-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
