using System.Text.Json;
using Cam.Cli;
using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Demo;
using Cam.Specs;
using Cam.Storage;
using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Audit.Tests;

/// <summary>The clean and the spurious demo model, each run on the same 100 spurious shapes (CAM), into their own databases.</summary>
public sealed class DemoDiffFixture : IAsyncLifetime
{
    public string DataRoot { get; } = Directory.CreateTempSubdirectory("cam-diff-").FullName;
    public string ModelRoot { get; } = Path.Combine(Repository.Root, "samples");
    public string CleanDb => Path.Combine(DataRoot, "clean.db");
    public string SpuriousDb => Path.Combine(DataRoot, "spurious.db");
    public Guid Clean { get; private set; }
    public Guid Spurious { get; private set; }
    /// <summary>The clean model explained by CAM and Grad-CAM in one job, for a diff of two methods.</summary>
    public string TwoMethodsDb => Path.Combine(DataRoot, "two-methods.db");
    public Guid TwoMethods { get; private set; }

    public async Task InitializeAsync()
    {
        new ShapesGenerator(seed: 99, spuriousClass: "circle").Write(DataRoot, 100);
        Clean = await RunAsync("shapes-model", CleanDb);
        Spurious = await RunAsync("shapes-spurious-model", SpuriousDb);
        TwoMethods = await RunAsync("shapes-model", TwoMethodsDb, "cam", "gradcam");
    }

    private async Task<Guid> RunAsync(string model, string database, params string[] methods)
    {
        MethodSpec[] specs = methods.Length == 0 ? [new MethodSpec("cam")] : methods.Select(m => new MethodSpec(m)).ToArray();
        var spec = new JobSpec { Dataset = "manifest.csv", Model = model, Methods = specs };
        var summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, DataRoot, ModelRoot, database, Workers: 1));
        Assert.Equal("completed", summary.State);
        return summary.JobId;
    }

    public Task DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(DataRoot, recursive: true);
        return Task.CompletedTask;
    }
}

public class DiffTests(DemoDiffFixture demo) : IClassFixture<DemoDiffFixture>
{
    private int Cam(params string[] args) => CamCommandLine.Build().Parse(args).Invoke();

    private static async Task<List<ResultRow>> RowsAsync(string database, Guid job, string method = "cam")
    {
        await using var services = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(database)).BuildServiceProvider();
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        return await db.Results.AsNoTracking().Where(r => r.JobId == job && r.ClassRank == 0 && r.Method == method)
            .OrderBy(r => r.ItemNumber).ToListAsync();
    }

    /// <summary>Pearson's correlation by the textbook sums.</summary>
    private static double Pearson(float[] x, float[] y)
    {
        double n = x.Length, sx = x.Sum(), sy = y.Sum(), sxx = x.Sum(v => (double)v * v), syy = y.Sum(v => (double)v * v);
        var sxy = x.Zip(y, (p, q) => (double)p * q).Sum();
        return (n * sxy - sx * sy) / Math.Sqrt((n * sxx - sx * sx) * (n * syy - sy * sy));
    }

    [Fact]
    public async Task Two_methods_of_one_job_are_compared_item_by_item_under_the_name_A_vs_B()
    {
        var json = Path.Combine(demo.DataRoot, "methods.json");
        var code = Cam("diff", demo.TwoMethods.ToString(), demo.TwoMethods.ToString(), "--db", demo.TwoMethodsDb, "--model-root", demo.ModelRoot,
            "--methods", "cam:gradcam", "--json-out", json, "--out", Path.Combine(demo.DataRoot, "methods.html"));
        Assert.Equal(0, code);
        var diff = JsonSerializer.Deserialize<DiffSummary>(await File.ReadAllTextAsync(json), AuditReport.Json)!;
        var method = Assert.Single(diff.Methods);
        Assert.Equal("cam vs gradcam", method.Method);

        // Independently, from the job's rows: the same images, CAM's map against Grad-CAM's.
        var (cam, gradcam) = (await RowsAsync(demo.TwoMethodsDb, demo.TwoMethods), await RowsAsync(demo.TwoMethodsDb, demo.TwoMethods, "gradcam"));
        var pairs = cam.Zip(gradcam).ToList();
        Assert.Equal(100, pairs.Count);
        Assert.All(pairs, p => Assert.Equal(p.First.ItemNumber, p.Second.ItemNumber));
        Assert.Equal(pairs.Count, method.PairedItems);
        var energy = method.Changes.Single(c => c.Metric == "energy_in_box");
        Assert.Equal(pairs.Average(p => (double)p.Second.EnergyInBox!.Value - p.First.EnergyInBox!.Value), energy.Delta, 6);
        var drift = pairs.Average(p => 1 - Pearson(p.First.MapValues(), p.Second.MapValues()));
        Assert.Equal(drift, method.Drift!.Mean, 4);
        // Grad-CAM is CAM up to a factor and a ReLU on this network: close maps, but not the same ones.
        Assert.InRange(drift, 1e-6, 0.5);

        Assert.Equal(2, Cam("diff", demo.TwoMethods.ToString(), demo.TwoMethods.ToString(), "--db", demo.TwoMethodsDb, "--methods", "cam",
            "--out", Path.Combine(demo.DataRoot, "bad.html")));
    }

    [Fact]
    public async Task Clean_to_spurious_fails_the_gate_on_the_new_circle_shortcut_with_exit_code_3()
    {
        var json = Path.Combine(demo.DataRoot, "diff.json");
        var html = Path.Combine(demo.DataRoot, "diff.html");
        var code = Cam("diff", demo.Clean.ToString(), demo.Spurious.ToString(), "--db", demo.CleanDb, "--db-b", demo.SpuriousDb,
            "--model-root", demo.ModelRoot, "--fail-on", "shortcut:new", "--json-out", json, "--out", html);

        Assert.Equal(3, code);
        var diff = JsonSerializer.Deserialize<DiffSummary>(await File.ReadAllTextAsync(json), AuditReport.Json)!;
        var shortcut = Assert.Single(diff.Shortcuts);
        Assert.Equal(("cam", "circle", "top-left corner", "new"), (shortcut.Method, shortcut.Label, shortcut.Region, shortcut.Change));
        Assert.Contains(diff.GateFailures, f => f.Contains("new shortcut, 'circle'"));
        Assert.Contains("data-gate=\"fail\"", await File.ReadAllTextAsync(html));
        // Spurious → clean: the shortcut vanishes, which the same rule lets through.
        Assert.Equal(0, Cam("diff", demo.Spurious.ToString(), demo.Clean.ToString(), "--db", demo.SpuriousDb, "--db-b", demo.CleanDb,
            "--model-root", demo.ModelRoot, "--fail-on", "shortcut:new", "--out", html));
    }

    [Fact]
    public async Task A_job_compared_with_itself_changes_nothing_and_passes_every_rule()
    {
        var json = Path.Combine(demo.DataRoot, "same.json");
        var code = Cam("diff", demo.Clean.ToString(), demo.Clean.ToString(), "--db", demo.CleanDb, "--model-root", demo.ModelRoot,
            "--fail-on", "shortcut:new,pointing_game:-0.02,energy_in_box:-0.01,map_drift:0.001", "--json-out", json, "--out",
                Path.Combine(demo.DataRoot, "same.html"));

        Assert.Equal(0, code);
        var diff = JsonSerializer.Deserialize<DiffSummary>(await File.ReadAllTextAsync(json), AuditReport.Json)!;
        var method = Assert.Single(diff.Methods);
        Assert.Equal(100, method.PairedItems);
        Assert.All(method.Changes, c => Assert.Equal(0, c.Delta, 12));
        Assert.Equal(0, method.Drift!.Mean, 9);
        Assert.Empty(diff.GateFailures);
    }

    [Fact]
    public async Task Changes_and_map_drift_equal_an_independent_computation_from_both_jobs_rows()
    {
        await using var servicesA = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(demo.CleanDb)).BuildServiceProvider();
        await using var servicesB = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(demo.SpuriousDb)).BuildServiceProvider();
        await using var dbA = await servicesA.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        await using var dbB = await servicesB.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var diff = await new DiffBuilder(dbA, dbB, demo.ModelRoot)
            .BuildAsync(demo.Clean, demo.Spurious, DiffGate.Parse("pointing_game:-0.02,map_drift:0.05"));
        var (a, b) = (await RowsAsync(demo.CleanDb, demo.Clean), await RowsAsync(demo.SpuriousDb, demo.Spurious));
        var pairs = a.Zip(b).ToList();
        Assert.All(pairs, p => Assert.Equal(p.First.ItemNumber, p.Second.ItemNumber));

        var method = Assert.Single(diff.Methods);
        var circle = method.Classes.Single(c => c.Label == "circle");
        var circles = pairs.Where(p => p.First.LabelClass == circle.ClassIndex).ToList();
        Assert.Equal(circles.Count, circle.Items);
        double Hit(ResultRow r) => r.PointingHit == true ? 1 : 0;
        var pointing = circle.Changes.Single(c => c.Metric == "pointing_game");
        Assert.Equal(circles.Average(p => Hit(p.Second) - Hit(p.First)), pointing.Delta, 9);
        var energy = method.Changes.Single(c => c.Metric == "energy_in_box");
        var d = pairs.Select(p => (double)p.Second.EnergyInBox!.Value - p.First.EnergyInBox!.Value).ToArray();
        var mean = d.Average();
        var sd = Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / (d.Length - 1));
        Assert.Equal(mean, energy.Delta, 6);
        Assert.Equal(mean / (sd / Math.Sqrt(d.Length)), energy.T!.Value, 4);
        Assert.True(energy.DeltaInterval!.Contains(energy.Delta));
        // The spurious model's maps move energy out of the object: a change whose interval leaves out zero.
        Assert.True(energy.Delta < 0 && energy.Significant, $"energy in box change {energy.Delta}");

        // Map drift: 1 − Pearson, by the textbook sums, same map size on both sides.
        var drift = pairs.Average(p => 1 - Pearson(p.First.MapValues(), p.Second.MapValues()));
        Assert.Equal(drift, method.Drift!.Mean, 4);
        Assert.Equal(circles.Average(p => 1 - Pearson(p.First.MapValues(), p.Second.MapValues())), circle.Drift!.Mean, 4);
        Assert.Contains(diff.GateFailures, f => f.StartsWith("cam: map drift", StringComparison.Ordinal));
    }

    private static DiffSummary WithChange(string metric, double delta) => new()
    {
        JobA = Guid.Empty, JobB = Guid.Empty, ModelA = "a", ModelB = "b", Dataset = "d",
        Methods = [new MethodDiff("cam", "l", "l", 10, [new MetricChange(metric, 10, 0.9, 0.9 + delta, delta, null, null)],
            new MapDrift(10, 0.2, null), [])],
    };

    [Theory]
    [InlineData("pointing_game:-0.02", "pointing_game", -0.05, true)]
    [InlineData("pointing_game:-0.02", "pointing_game", -0.01, false)]
    [InlineData("pointing_game:-0.02", "pointing_game", 0.10, false)]
    [InlineData("average_drop:0.05", "average_drop", 0.08, true)]
    [InlineData("average_drop:0.05", "average_drop", -0.2, false)]
    [InlineData("map_drift:0.1", "accuracy", 0, true)]
    [InlineData("map_drift:0.3", "accuracy", 0, false)]
    public void A_rule_fails_only_past_its_limit(string rule, string metric, double delta, bool fails) =>
        Assert.Equal(fails, DiffGate.Parse(rule).Failures(WithChange(metric, delta)).Count > 0);

    [Theory]
    [InlineData("pointing_game")]
    [InlineData("pointing:-0.1")]
    [InlineData("shortcut:old")]
    [InlineData("map_drift:-0.1")]
    [InlineData("accuracy:abc")]
    public void A_malformed_rule_is_refused_with_exit_code_2(string rule)
    {
        Assert.Throws<ArgumentException>(() => DiffGate.Parse(rule));
        Assert.Equal(2, Cam("diff", demo.Clean.ToString(), demo.Spurious.ToString(), "--db", demo.CleanDb, "--db-b",
            demo.SpuriousDb, "--fail-on", rule,
            "--out", Path.Combine(demo.DataRoot, "x.html")));
    }
}
