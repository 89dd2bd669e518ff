using Cam.Datasets;
using Cam.Scheduler.Jobs;

namespace Cam.Cli.Commands.PipelineBench;

/// <summary>
/// The scheduler's enumeration without a database: a dataset (a folder or a manifest) read in its stable order and
/// turned into the rows that would be stored, as <c>JobEnumerator</c> does. Measures what the source itself costs.
/// </summary>
public static class EnumerationBench
{
    public static async Task<JsonObject> RunAsync(string dataset, int shardSize, CancellationToken ct)
    {
        var job = Guid.NewGuid();
        var clock = Stopwatch.StartNew();
        long items = 0, errors = 0;
        await foreach (var item in DatasetSources.Open(dataset).EnumerateAsync(ct))
        {
            var (_, error) = ItemRows.From(job, (int)(item.Number / shardSize), item);
            items++;
            if (error is not null) errors++;
        }
        var seconds = clock.Elapsed.TotalSeconds;
        return new JsonObject
        {
            ["dataset"] = Path.GetFullPath(dataset),
            ["items"] = items,
            ["errors"] = errors,
            ["seconds"] = Math.Round(seconds, 2),
            ["items_per_second"] = Math.Round(items / Math.Max(seconds, 1e-6), 1),
            ["peak_rss_mb"] = ResidentMemory.PeakBytes(Environment.ProcessId) is { } peak ? Math.Round(peak / 1e6, 1) : null,
            ["load_average"] = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null,
        };
    }
}
