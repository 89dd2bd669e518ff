using Cam.Audit;
using Cam.Storage;

namespace Cam.Cli.Commands;

/// <summary><c>cam report JOB</c>: the audit of a job as one HTML file (and a JSON summary), from SQLite or PostgreSQL.</summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var (job, db, postgres) = (StoreArguments.Job(), StoreArguments.Db(), StoreArguments.Postgres());
        var output = new Option<string>("--out") { Description = "HTML file to write", DefaultValueFactory = _ => "report.html" };
        var (json, jsonOut) = (JsonArguments.Print("the audit's summary"), JsonArguments.OutFile("the audit's summary"));
        var dataRoot = StoreArguments.DataRoot("the job's dataset path is relative to");
        var modelRoot = StoreArguments.ModelRoot("the job's model path is relative to");
        var method = new Option<string?>("--method") { Description = "method whose overlays fill the galleries (default: the job's first)" };
        var gallery = new Option<int>("--gallery") { Description = "overlays per gallery", DefaultValueFactory = _ => 8 };
        var sanity = new Option<bool>("--sanity")
        {
            Description = "also re-explain a sample with the model's top layers randomised, head first, and flag methods whose maps do not change"
        };
        var sanityItems = new Option<int>("--sanity-items")
        {
            Description = "items the sanity check re-explains",
            DefaultValueFactory = _ => SanityCheck.DefaultItems
        };
        var sanityLayers = new Option<int>("--sanity-layers")
        {
            Description = "parameterised layers the cascade randomises, from the head down",
            DefaultValueFactory = _ => SanityCheck.DefaultLayers
        };
        var by = new Option<string?>("--by")
        {
            Description = "a key of the items' manifest meta: every aggregate, shortcut and mean map again per value (slices)"
        };
        var strategies = new Option<bool>("--strategies")
        {
            Description = "also cluster each class's maps (SpRAy) and flag the clusters that look away from the object"
        };
        var strategySample = new Option<int>("--strategy-sample")
        {
            Description = "maps per class and method clustered (a seeded sample; the rest " +
                "are assigned to the nearest cluster)", DefaultValueFactory = _ => Cam.Audit.Strategies.StrategyOptions.DefaultSampleSize
        };
        var strategyNeighbours = new Option<int>("--strategy-neighbours")
        {
            Description = "k of the strategies' nearest-neighbour graph",
            DefaultValueFactory = _ => 10
        };
        var threads = new Option<int?>("--threads")
        {
            Description = "CPU threads for the strategies' eigensolver and the sanity check's forwards " +
                "(libtorch's default: one per core; 1 on a busy machine, where its threads spin)"
        };
        var command = new Command("report",
            "write a job's audit: summary, per-class table, metric distributions, mean maps, galleries, shortcut finder")
        {
            job, db, postgres, output, json, jsonOut, dataRoot, modelRoot, method, gallery, by, sanity, sanityItems, sanityLayers, strategies,
                strategySample, strategyNeighbours, threads,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            TorchSetup.Apply(parse.GetValue(threads));
            var storage = StoreArguments.Storage(parse.GetValue(db), parse.GetValue(postgres));
            var options = new AuditOptions
            {
                DataRoot = StoreArguments.DataRootOf(parse, dataRoot),
                ModelRoot = StoreArguments.ModelRootOf(parse, modelRoot),
                GalleryMethod = parse.GetValue(method),
                GallerySize = Math.Clamp(parse.GetValue(gallery), 0, 100),
                SliceBy = parse.GetValue(by) is { } key && !AuditSql.IsValidMetaKey(key)
                    ? throw new ArgumentException($"--by '{key}' is not a plain meta key (letters, digits, '_', '-', '.', space; at most 64)")
                    : parse.GetValue(by),
                Strategies = parse.GetValue(strategies) ? StrategyOptionsOf(parse.GetValue(strategySample),
                    parse.GetValue(strategyNeighbours)) : null,
                Sanity = parse.GetValue(sanity) ? new SanityOptions(Math.Clamp(parse.GetValue(sanityItems), 1, 1024),
                    Math.Clamp(parse.GetValue(sanityLayers), 1, 64)) : null,
            };
            var html = Path.GetFullPath(parse.GetValue(output)!);
            var audit = await ProgressDisplay.RunAsync(parse.GetValue(json), progress =>
                AuditReport.WriteAsync(storage, parse.GetValue(job), options, html, parse.GetValue(jsonOut), progress, ct));
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(audit, AuditReport.Json));
            else Describe(audit, html);
            return 0;
        }));
        return command;
    }

    public static void Describe(AuditSummary audit, string html)
    {
        Console.WriteLine($"report {html}");
        foreach (var m in audit.Methods)
            Console.WriteLine($"  {m.Method} ({m.Layer}): pointing game {Pct(m.PointingGame)}, energy in box {Pct(m.EnergyInBox)}, average drop " +
                $"{Pct(m.AverageDrop)}");
        if (audit.Accuracy is { } accuracy) Console.WriteLine($"  accuracy {accuracy:P1} of {audit.LabelledItems} labelled items");
        foreach (var f in audit.Findings.Where(f => f.Suspicious)) Console.WriteLine($"  shortcut? {f.Method}: {f.Message}");
        foreach (var v in audit.Sanity?.Methods ?? []) Console.WriteLine($"  sanity{(v.Flagged ? "?" : ":")} {v.Message}");
        foreach (var s in audit.Strategies ?? [])
            foreach (var c in s.Clusters.Where(c => c.Flagged))
                Console.WriteLine($"  strategy? {s.Method} '{s.Label}' cluster {c.Id} ({c.Size} maps, {c.Share:P0} of the class): {c.Reason}");
        foreach (var slice in audit.Slices?.Slices ?? [])
        {
            Console.WriteLine($"  {audit.Slices!.Key} = {slice.Value}: {slice.Items} items, accuracy {Pct(slice.Accuracy)}" +
                (slice.StandsOut.Count == 0 ? "" : " — stands out"));
            foreach (var reason in slice.StandsOut) Console.WriteLine($"    {reason}");
        }
    }

    private static Cam.Audit.Strategies.StrategyOptions StrategyOptionsOf(int sample, int neighbours) =>
        sample < 3 ? throw new ArgumentException($"--strategy-sample must be at least 3, got {sample}")
        : neighbours < 1 ? throw new ArgumentException($"--strategy-neighbours must be at least 1, got {neighbours}")
        : new Cam.Audit.Strategies.StrategyOptions(SampleSize: sample, Neighbours: neighbours);

    private static string Pct(double? value) => value is { } v ? v.ToString("P1") : "–";
}
