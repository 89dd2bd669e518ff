using Cam.Audit;
using Cam.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Cli.Commands;

/// <summary><c>cam diff JOB_A JOB_B</c>: two jobs over one dataset compared item by item, as HTML and JSON, with a gate for pipelines.</summary>
internal static class DiffCommand
{
    /// <summary>Exit code when B breaks a <c>--fail-on</c> rule.</summary>
    public const int GateFailed = 3;

    public static Command Create()
    {
        var jobA = new Argument<Guid>("job-a") { Description = "the reference job (e.g. the current checkpoint)" };
        var jobB = new Argument<Guid>("job-b") { Description = "the job compared with it (e.g. the candidate checkpoint)" };
        var db = StoreArguments.Db("SQLite database holding job A (and job B unless --db-b)");
        var dbB = new Option<string?>("--db-b") { Description = "SQLite database holding job B, when it is not A's" };
        var postgres = StoreArguments.Postgres();
        var output = new Option<string>("--out") { Description = "HTML file to write", DefaultValueFactory = _ => "diff.html" };
        var (json, jsonOut) = (JsonArguments.Print("the diff"), JsonArguments.OutFile("the diff"));
        var modelRoot = StoreArguments.ModelRoot("the jobs' model paths are relative to, for class names");
        var failOn = new Option<string?>("--fail-on")
        {
            Description = "rules that make the command exit with 3: METRIC:LIMIT on a method's overall change (pointing_game:-0.02 fails below " +
                "−0.02, average_drop:0.05 above +0.05), map_drift:LIMIT, shortcut:new; comma-separated",
        };
        var methods = new Option<string?>("--methods")
        {
            Description = "A:B compares method A of job A with method B of job B (two methods of one job: give its id twice); every shared method " +
                "when omitted",
        };
        var strategies = new Option<bool>("--strategies")
        {
            Description = "also cluster both jobs' maps per class (as cam report --strategies) and list flagged strategies new or gone in B"
        };
        var strategySample = new Option<int>("--strategy-sample")
        {
            Description = "maps per class and method clustered",
            DefaultValueFactory = _ => Cam.Audit.Strategies.StrategyOptions.DefaultSampleSize
        };
        var dataRoot = StoreArguments.DataRoot(
            "the jobs' dataset paths are relative to, for the strategies' object geometry");
        var command = new Command("diff",
            "compare two jobs over the same dataset: per-class changes with paired tests, map drift, shortcuts that appear or vanish")
        {
            jobA, jobB, db, dbB, postgres, output, json, jsonOut, modelRoot, failOn, methods, strategies, strategySample, dataRoot,
        };
        command.SetAction((parse, ct) => CommandErrors.RunAsync(async () =>
        {
            var gate = DiffGate.Parse(parse.GetValue(failOn));
            var (settingsA, settingsB) = Storage(parse.GetValue(db), parse.GetValue(dbB), parse.GetValue(postgres));
            await using var servicesA = new ServiceCollection().AddCamStorage(settingsA).BuildServiceProvider();
            await using var servicesB = new ServiceCollection().AddCamStorage(settingsB).BuildServiceProvider();
            await using var contextA = await servicesA.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync(ct);
            await using var contextB = await servicesB.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync(ct);
            var root = StoreArguments.ModelRootOf(parse, modelRoot);
            var pair = MethodPair(parse.GetValue(methods));
            var diff = await new DiffBuilder(contextA, contextB, root).BuildAsync(parse.GetValue(jobA), parse.GetValue(jobB), gate, pair, ct);
            if (parse.GetValue(strategies))
            {
                if (parse.GetValue(strategySample) < 3) throw new ArgumentException($"--strategy-sample must be at least 3, got " +
                    $"{parse.GetValue(strategySample)}");
                var data = StoreArguments.DataRootOf(parse, dataRoot);
                var compared = diff.Methods.Select(m => (m.Method, pair?.A ?? m.Method, m.LayerA, pair?.B ?? m.Method, m.LayerB)).ToList();
                diff = diff with
                {
                    Strategies = await Cam.Audit.Strategies.StrategyDiff.BuildAsync(
                        contextA, parse.GetValue(jobA), await Cam.Audit.Strategies.StrategyContexts.ForJobAsync(contextA, parse.GetValue(jobA),
                            data, root, ct),
                        contextB, parse.GetValue(jobB), await Cam.Audit.Strategies.StrategyContexts.ForJobAsync(contextB, parse.GetValue(jobB),
                            data, root, ct),
                        compared, new Cam.Audit.Strategies.StrategyOptions(SampleSize: parse.GetValue(strategySample)), ct),
                };
            }

            var html = Path.GetFullPath(parse.GetValue(output)!);
            Directory.CreateDirectory(Path.GetDirectoryName(html)!);
            await File.WriteAllTextAsync(html, HtmlDiffReport.Render(diff), ct);
            if (parse.GetValue(jsonOut) is { } jsonPath) await File.WriteAllTextAsync(jsonPath, JsonSerializer.Serialize(diff, AuditReport.Json), ct);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(diff, AuditReport.Json));
            else Describe(diff, html);
            return diff.GateFailures.Count > 0 ? GateFailed : 0;
        }));
        return command;
    }

    private static (string A, string B)? MethodPair(string? methods) => methods switch
    {
        null => null,
        _ when methods.Split(':') is [var a, var b] && a.Trim().Length > 0 && b.Trim().Length > 0 => (a.Trim(), b.Trim()),
        _ => throw new ArgumentException($"--methods: '{methods}' is not METHOD_A:METHOD_B"),
    };

    private static void Describe(DiffSummary diff, string html)
    {
        Console.WriteLine($"diff {html}");
        foreach (var m in diff.Methods)
        {
            var changes = string.Join(", ", m.Changes.Select(c => $"{c.Metric} {c.Delta:+0.000;-0.000;0.000}{(c.Significant ? "*" : "")}"));
            Console.WriteLine($"  {m.Method}: {changes}; map drift {m.Drift?.Mean:F3}");
        }
        foreach (var s in diff.Shortcuts) Console.WriteLine($"  shortcut {s.Change}: {s.Method}: '{s.Label}' in the {s.Region}");
        foreach (var s in diff.Strategies
            ?? []) Console.WriteLine($"  strategy {s.Change}: {s.Method}: '{s.Label}' cluster #{s.Cluster} ({s.Size} maps)");
        foreach (var f in diff.GateFailures) Console.WriteLine($"  FAIL {f}");
    }

    private static (StorageSettings A, StorageSettings B) Storage(string? db, string? dbB, string? postgres)
    {
        if (db is null && dbB is not null) throw new ArgumentException("--db-b needs --db");
        return (StoreArguments.Storage(db, postgres), StoreArguments.Storage(dbB ?? db, postgres));
    }
}
