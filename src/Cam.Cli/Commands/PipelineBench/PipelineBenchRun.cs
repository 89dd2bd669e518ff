using Cam.Contracts;
using Cam.Storage.Entities;
using Npgsql;

namespace Cam.Cli.Commands.PipelineBench;

/// <summary>How a pipeline benchmark runs: the job's size and shape, the workers, where to put its files.</summary>
public sealed record PipelineBenchOptions
{
    public required long Items { get; init; }
    /// <summary>Worker processes; none measures the enumeration into the database alone (the job is cancelled once enumerated).</summary>
    public int Workers { get; init; } = 2;
    public int Concurrency { get; init; } = 1;
    public int ShardSize { get; init; } = 256;
    public int Jobs { get; init; } = 1;
    public string Methods { get; init; } = "gradcam";
    public string Classes { get; init; } = ClassPolicy.DefaultText;
    public int MapSize { get; init; } = 7;
    public int? MaxOutstandingShards { get; init; }
    public required string Folder { get; init; }
    /// <summary>Longest wait without any progress before the benchmark gives up.</summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromMinutes(5);
}

/// <summary>
/// Runs the real scheduler and no-op workers (child processes) against the given PostgreSQL and RabbitMQ, submits
/// the job(s) one after another (a later job finds the earlier ones' results stored) and measures each: progress
/// sampled every 250 ms, enumeration time, table growth, peak RSS of every process.
/// </summary>
public sealed class PipelineBenchRun(BenchServices services, PipelineBenchOptions options)
{
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(250);

    public async Task<JsonObject> RunAsync(CancellationToken ct)
    {
        var (dataRoot, modelRoot) = (Path.Combine(options.Folder, "data"), Path.Combine(options.Folder, "models"));
        var clock = Stopwatch.StartNew();
        BenchWorkload.Write(dataRoot, modelRoot, options.Items);
        var manifestSeconds = clock.Elapsed.TotalSeconds;

        var common = new Dictionary<string, string>
        {
            ["CAM_POSTGRES"] = services.Postgres, ["CAM_RABBITMQ"] = services.RabbitMq,
            ["CAM_DATA_ROOT"] = dataRoot, ["CAM_MODEL_ROOT"] = modelRoot,
        };
        var schedulerEnvironment = new Dictionary<string, string>(common)
        {
            ["CAM_API_KEY_DISABLED"] = "true", ["CAM_MIGRATE_ON_START"] = "true",
        };
        // No worker would answer the model probe: submission would wait out its timeout.
        if (options.Workers == 0) schedulerEnvironment["CAM_PROBE_TIMEOUT_SECONDS"] = "0";
        if (options.MaxOutstandingShards is { } outstanding) schedulerEnvironment["CAM_MAX_OUTSTANDING_SHARDS"] = outstanding.ToString();
        await using var scheduler = PipelineProcess.Start("scheduler", "Cam.SchedulerHost", schedulerEnvironment, Path.Combine(options.Folder,
            "scheduler.log"), "CAM_SCHEDULER_URLS");
        await scheduler.WaitReadyAsync(TimeSpan.FromMinutes(2), ct);
        var workers = new List<PipelineProcess>();
        try
        {
            for (var w = 0; w < options.Workers; w++)
            {
                workers.Add(PipelineProcess.Start($"worker {w + 1}", "Cam.WorkerHost", new Dictionary<string, string>(common)
                {
                    ["CAM_WORKER_NOOP"] = "true", ["CAM_WORKER_NOOP_MAP_SIZE"] = options.MapSize.ToString(),
                    ["CAM_WORKER_CONCURRENCY"] = options.Concurrency.ToString(),
                }, Path.Combine(options.Folder, $"worker-{w + 1}.log"), "CAM_WORKER_URLS"));
            }
            foreach (var worker in workers) await worker.WaitReadyAsync(TimeSpan.FromMinutes(2), ct);

            var processes = workers.Prepend(scheduler).ToList();
            var jobs = new JsonArray();
            for (var j = 0; j < options.Jobs; j++) jobs.Add(await RunJobAsync(scheduler.Port, processes, ct));
            var first = (JsonObject)jobs[0]!.DeepClone();
            first["manifest_seconds"] = Math.Round(manifestSeconds, 2);
            first["workers"] = options.Workers;
            first["concurrency"] = options.Concurrency;
            first["shard_size"] = options.ShardSize;
            first["map_size"] = options.MapSize;
            first["methods"] = options.Methods;
            first["classes"] = options.Classes;
            first["scheduler_peak_rss_mb"] = Megabytes(scheduler.Sample());
            first["worker_peak_rss_mb"] = new JsonArray(workers.Select(w => (JsonNode?)Megabytes(w.Sample())).ToArray());
            first["jobs"] = jobs;
            return first;
        }
        finally
        {
            foreach (var worker in workers) await worker.DisposeAsync();
        }
    }

    private async Task<JsonObject> RunJobAsync(int schedulerPort, IReadOnlyList<PipelineProcess> processes, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(services.Postgres);
        await connection.OpenAsync(ct);
        var resultsBefore = await StorageFootprint.MeasureAsync(connection, "results", ct);
        var itemsBefore = await StorageFootprint.MeasureAsync(connection, "items", ct);
        var loadBefore = LoadAverage();
        using var client = SchedulerClient.Create($"http://127.0.0.1:{schedulerPort}", null);
        var clock = Stopwatch.StartNew();
        var id = await client.SubmitAsync(SchedulerClient.Spec(new Cam.Specs.JobSpec
        {
            Dataset = BenchWorkload.Manifest, Model = BenchWorkload.Model,
            Methods = MethodArguments.Specs(options.Methods, null), Classes = options.Classes, ShardSize = options.ShardSize,
        }), ct);
        var samples = new List<ProgressSample> { new(0, 0) };
        double? enumerationSeconds = null;
        var (lastProgress, lastDone) = (clock.Elapsed, -1L);
        string state;
        long total, results;
        while (true)
        {
            await using (var command = new NpgsqlCommand(
                             "SELECT succeeded_items + failed_items, enumeration_done, state, total_items, results FROM jobs WHERE id = @id",
                                 connection))
            {
                command.Parameters.AddWithValue("id", id);
                await using var reader = await command.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                var done = reader.GetInt64(0);
                (state, total, results) = (reader.GetString(2), reader.GetInt64(3), reader.GetInt64(4));
                var now = clock.Elapsed;
                samples.Add(new ProgressSample(now.TotalSeconds, done));
                if (reader.GetBoolean(1)) enumerationSeconds ??= now.TotalSeconds;
                if (done != lastDone) (lastProgress, lastDone) = (now, done);
            }
            foreach (var process in processes)
            {
                process.Sample();
                if (process.HasExited) throw new InvalidOperationException($"{process.Name} exited during the benchmark (see its log in " +
                    $"{options.Folder})");
            }
            if (JobState.IsFinal(state)) break;
            if (options.Workers == 0 && enumerationSeconds is not null)
            {
                await client.CancelAsync(id, ct);
                state = "enumerated";
                break;
            }
            if (clock.Elapsed - lastProgress > options.StallTimeout)
                throw new TimeoutException($"job {id}: no progress for {options.StallTimeout.TotalSeconds}s at {lastDone} items (logs in " +
                    $"{options.Folder})");
            await Task.Delay(SampleInterval, ct);
        }
        var seconds = enumerationSeconds is { } enumerated && options.Workers == 0 ? enumerated : clock.Elapsed.TotalSeconds;
        var resultsGrowth = (await StorageFootprint.MeasureAsync(connection, "results", ct)).Minus(resultsBefore);
        var itemsGrowth = (await StorageFootprint.MeasureAsync(connection, "items", ct)).Minus(itemsBefore);
        var tenths = ThroughputProfile.RatePerFraction(samples, total, 10);
        return new JsonObject
        {
            ["job"] = id.ToString(),
            ["state"] = state,
            ["items"] = total,
            ["results"] = results,
            ["seconds"] = Math.Round(seconds, 2),
            ["items_per_second"] = Math.Round(total / seconds, 1),
            ["rate_per_tenth"] = Rounded(tenths),
            ["last_tenth_over_first"] = tenths.Count == 10 && double.IsFinite(tenths[0]) ? Math.Round(tenths[9] / tenths[0], 3) : null,
            ["enumeration_seconds"] = enumerationSeconds is { } e ? Math.Round(e, 2) : null,
            ["enumeration_items_per_second"] = enumerationSeconds is { } f ? Math.Round(total / f, 1) : null,
            ["bytes_per_result"] = StorageFootprint.PerRow(resultsGrowth, results),
            ["bytes_per_item"] = StorageFootprint.PerRow(itemsGrowth, total),
            ["load_average_before"] = loadBefore,
            ["load_average_after"] = LoadAverage(),
            ["rate_per_hundredth"] = Rounded(ThroughputProfile.RatePerFraction(samples, total, 100)),
        };
    }

    private static JsonArray Rounded(IEnumerable<double> values) =>
        new(values.Select(v => (JsonNode?)(double.IsFinite(v) ? Math.Round(v, 1) : null)).ToArray());

    private static double Megabytes(long bytes) => Math.Round(bytes / 1e6, 1);

    /// <summary>The 1, 5 and 15 minute load averages (the machine is shared: figures are read next to them).</summary>
    private static string? LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return null;
        }
    }
}
