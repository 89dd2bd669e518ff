using Cam.Cli.Commands.PipelineBench;

namespace Cam.Cli.Commands;

/// <summary>
/// <c>cam bench-pipeline</c>: the scheduler and no-op workers against a real PostgreSQL and RabbitMQ on an N-item
/// manifest; prints one JSON object (rate overall and per tenth, enumeration time, peak RSS, bytes per result) and
/// can plot items/s over the job against earlier runs. Without both services it starts nothing and says what is missing.
/// </summary>
internal static class BenchPipelineCommand
{
    public static Command Create()
    {
        var items = new Option<long>("--items")
        {
            Description = "lines of the generated manifest (required unless --enumerate-only reads a dataset)"
        };
        var workers = new Option<int>("--workers")
        {
            DefaultValueFactory = _ => 2,
            Description = "worker processes (no-op explainer); 0 times the enumeration into the database alone"
        };
        var concurrency = new Option<int>("--concurrency")
        {
            DefaultValueFactory = _ => 1,
            Description = "shards each worker runs at once (CAM_WORKER_CONCURRENCY)"
        };
        var shardSize = new Option<int>("--shard-size") { DefaultValueFactory = _ => 256 };
        var jobs = new Option<int>("--jobs")
        {
            DefaultValueFactory = _ => 1,
            Description = "jobs run one after another, each finding the earlier ones' results stored"
        };
        var methods = new Option<string>("--methods")
        {
            DefaultValueFactory = _ => "gradcam",
            Description = "methods of the job (each a result per item and class)"
        };
        var classes = MethodArguments.Classes();
        var mapSize = new Option<int>("--map-size") { DefaultValueFactory = _ => 7, Description = "side of the no-op's maps (7: a ResNet at 224)" };
        var maxOutstanding = new Option<int?>("--max-outstanding") { Description = "CAM_MAX_OUTSTANDING_SHARDS of the scheduler" };
        var postgres = new Option<string?>("--postgres") { Description = "connection string (CAM_POSTGRES); the schema is migrated" };
        var rabbitMq = new Option<string?>("--rabbitmq") { Description = "amqp:// URI (CAM_RABBITMQ)" };
        var output = new Option<string?>("--out") { Description = "folder for the manifest, the logs and bench.json (a new temporary folder)" };
        var plot = new Option<string?>("--plot") { Description = "write a PNG of items/s over the job" };
        var label = new Option<string>("--label") { DefaultValueFactory = _ => "this run", Description = "this run's name in the plot" };
        var enumerateOnly = new Option<string?>("--enumerate-only")
        {
            Description = "read this dataset (folder or manifest; 'generated' for an --items-line manifest) as the scheduler's enumeration does, " +
                "without a database, and time it",
        };
        var compare = new Option<string[]>("--compare")
        {
            Description = "earlier bench.json files to plot with this run (LABEL=FILE or FILE)", AllowMultipleArgumentsPerToken = true
        };
        var command = new Command("bench-pipeline",
            "run the scheduler and no-op workers on an N-item job against PostgreSQL and RabbitMQ; prints JSON")
        {
            items, workers, concurrency, shardSize, jobs, methods, classes, mapSize, maxOutstanding, postgres, rabbitMq, output, plot, label,
                compare, enumerateOnly,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            if (parse.GetValue(enumerateOnly) is { } dataset)
            {
                if (dataset == "generated")
                {
                    if (parse.GetValue(items) < 1) throw new ArgumentException("--items must be at least 1");
                    var generated = parse.GetValue(output) ?? Path.Combine(Path.GetTempPath(),
                        $"cam-bench-enumeration-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
                    BenchWorkload.Write(Path.Combine(generated, "data"), Path.Combine(generated, "models"), parse.GetValue(items));
                    dataset = Path.Combine(generated, "data", BenchWorkload.Manifest);
                }
                Console.WriteLine((await EnumerationBench.RunAsync(dataset, parse.GetValue(shardSize),
                    ct)).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return 0;
            }
            var (services, missing) = BenchServices.Resolve(parse.GetValue(postgres), parse.GetValue(rabbitMq));
            if (services is null) return Refuse("nothing was started: a service is missing", missing);
            var unreachable = await services.UnreachableAsync(ct);
            if (unreachable.Count > 0) return Refuse("nothing was started: a service cannot be reached", unreachable);
            if (parse.GetValue(items) < 1) throw new ArgumentException("--items must be at least 1");
            if (parse.GetValue(workers) < 0) throw new ArgumentException("--workers must be at least 0");
            if (parse.GetValue(jobs) < 1 || parse.GetValue(concurrency) < 1)
                throw new ArgumentException("--jobs and --concurrency must be at least 1");
            var folder = parse.GetValue(output) ?? Path.Combine(Path.GetTempPath(), $"cam-bench-pipeline-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
            Directory.CreateDirectory(folder);
            var run = new PipelineBenchRun(services, new PipelineBenchOptions
            {
                Items = parse.GetValue(items), Workers = parse.GetValue(workers), Concurrency = parse.GetValue(concurrency),
                ShardSize = parse.GetValue(shardSize), Jobs = parse.GetValue(jobs), Methods = parse.GetValue(methods)!,
                Classes = parse.GetValue(classes)!, MapSize = parse.GetValue(mapSize), MaxOutstandingShards = parse.GetValue(maxOutstanding),
                Folder = Path.GetFullPath(folder),
            });
            var report = await run.RunAsync(ct);
            report["folder"] = Path.GetFullPath(folder);
            var json = report.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
            await File.WriteAllTextAsync(Path.Combine(folder, "bench.json"), json, ct);
            if (parse.GetValue(plot) is { } png)
            {
                var series = (parse.GetValue(compare) ?? []).Select(Earlier).ToList();
                foreach (var job in report["jobs"]!.AsArray().Select((j, i) => (j!, i)))
                    series.Add(Series(report["jobs"]!.AsArray().Count > 1 ? $"{parse.GetValue(label)}, job {job.i + 1}" : parse.GetValue(label)!,
                        job.Item1));
                await File.WriteAllBytesAsync(png, ThroughputPlot.Render($"cam bench-pipeline --items {parse.GetValue(items):N0}", series), ct);
            }
            Console.WriteLine(json);
            return 0;
        }));
        return command;
    }

    private static int Refuse(string error, IReadOnlyList<string> problems)
    {
        Console.WriteLine(new JsonObject
        {
            ["error"] = error,
            ["missing"] = new JsonArray(problems.Select(p => (JsonNode?)p).ToArray())
        }.ToJsonString());
        Console.Error.WriteLine($"error: {error}: {string.Join("; ", problems)}");
        return CommandErrors.UsageError;
    }

    /// <summary>The first job of an earlier run's bench.json, as LABEL=FILE (or FILE, labelled by its file name).</summary>
    private static PlotSeries Earlier(string argument)
    {
        var split = argument.IndexOf('=');
        var (name, file) = split > 0 ? (argument[..split], argument[(split + 1)..]) : (Path.GetFileNameWithoutExtension(argument), argument);
        var json = JsonNode.Parse(File.ReadAllText(file)) ?? throw new FormatException($"{file} is not a bench-pipeline JSON");
        return Series(name, json);
    }

    private static PlotSeries Series(string name, JsonNode job) =>
        new(name, (job["rate_per_hundredth"]?.AsArray() ?? []).Select(v => v?.GetValue<double>() ?? double.NaN).ToList());
}
