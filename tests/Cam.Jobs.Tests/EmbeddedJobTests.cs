using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Scheduler.Validation;
using Cam.Specs;
using Cam.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Jobs.Tests;

[Collection(DemoJobCollection.Name)]
public class EmbeddedJobTests(DemoJobFixture demo)
{
    private static async Task<(int Results, int Errors, List<string> Stages, List<(long, string, int)> Keys)> RowsAsync(string database, Guid job)
    {
        await using var services = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(database)).BuildServiceProvider();
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var keys = await db.Results.Where(r => r.JobId == job).Select(r => new { r.ItemNumber, r.Method, r.ClassIndex }).ToListAsync();
        var stages = await db.ItemErrors.Where(e => e.JobId == job).OrderBy(e => e.ItemNumber).Select(e => e.Stage).ToListAsync();
        return (keys.Count, stages.Count, stages, keys.Select(k => (k.ItemNumber, k.Method, k.ClassIndex)).ToList());
    }

    [Fact]
    public async Task A_job_over_demo_images_gives_one_result_per_item_method_and_class_and_records_bad_items()
    {
        var (summary, database) = (demo.Summary, demo.Database);

        Assert.Equal("completed_with_errors", summary.State);
        Assert.Equal(13, summary.Items);
        Assert.Equal((10L, 3L), (summary.Succeeded, summary.Failed));
        var rows = await RowsAsync(database, summary.JobId);
        Assert.Equal(10 * 2 * 2, rows.Results);
        Assert.Equal(rows.Results, rows.Keys.Distinct().Count());
        Assert.Equal(summary.Results, rows.Results);
        Assert.Equal(["decode", "path", "decode"], rows.Stages);
    }

    [Fact]
    public async Task Label_policy_explains_the_labelled_class()
    {
        using var workspace = new DemoWorkspace(images: 6, withBadItems: false);
        var database = Path.Combine(workspace.Root, "cam.db");
        var spec = new JobSpec { Dataset = "shapes/manifest.csv", Model = "shapes-model", Methods = [new MethodSpec("cam")], Classes = "label" };
        var summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, workspace.DataRoot, workspace.ModelRoot, database, Workers: 1));
        Assert.Equal("completed", summary.State);
        var labels = File.ReadAllLines(Path.Combine(workspace.DataRoot, "shapes", "manifest.csv")).Skip(1).Select(l => l.Split(',')[1]).ToList();
        var rows = await RowsAsync(database, summary.JobId);
        Assert.Equal(6, rows.Results);
        foreach (var (item, _, cls) in rows.Keys)
            Assert.Equal(labels[(int)item], Cam.Demo.ShapesGenerator.Classes[cls]);
    }

    [Fact]
    public async Task A_job_with_a_missing_model_is_refused_before_it_starts()
    {
        using var workspace = new DemoWorkspace(images: 1, withBadItems: false);
        var spec = new JobSpec { Dataset = "shapes/manifest.csv", Model = "no-such-model" };
        var error = await Assert.ThrowsAsync<JobValidationException>(() =>
            EmbeddedJob.RunAsync(new EmbeddedOptions(spec, workspace.DataRoot, workspace.ModelRoot, Path.Combine(workspace.Root, "cam.db"), 1)));
        Assert.Contains("no-such-model", error.Message);
        var hostile = spec with { Model = "shapes-model", Dataset = "../../etc/passwd" };
        await Assert.ThrowsAsync<JobValidationException>(() =>
            EmbeddedJob.RunAsync(new EmbeddedOptions(hostile, workspace.DataRoot, workspace.ModelRoot, Path.Combine(workspace.Root, "cam2.db"), 1)));
    }

    [Fact]
    public async Task A_dataset_linked_from_outside_the_data_root_is_refused_before_the_job_starts()
    {
        using var workspace = new DemoWorkspace(images: 2, withBadItems: false);
        var outside = Path.Combine(workspace.Root, "outside.csv");
        File.Copy(Path.Combine(workspace.DataRoot, "shapes", "manifest.csv"), outside);
        File.CreateSymbolicLink(Path.Combine(workspace.DataRoot, "shapes", "linked.csv"), outside);
        var spec = new JobSpec { Dataset = "shapes/linked.csv", Model = "shapes-model", Methods = [new MethodSpec("cam")] };
        var error = await Assert.ThrowsAsync<JobValidationException>(() =>
            EmbeddedJob.RunAsync(new EmbeddedOptions(spec, workspace.DataRoot, workspace.ModelRoot, Path.Combine(workspace.Root, "cam.db"), 1)));
        Assert.Contains("outside the data root through a symbolic link", error.Message);
    }

    [Fact]
    public async Task A_model_package_whose_weights_contradict_its_class_count_is_refused_at_submission()
    {
        using var workspace = new DemoWorkspace(images: 3, withBadItems: false);
        var json = Path.Combine(workspace.ModelRoot, "shapes-model", "model.json");
        // 7 classes and no labels (five labels would contradict the count before the weights do).
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        manifest["numClasses"] = 7;
        manifest.Remove("labels");
        File.WriteAllText(json, manifest.ToJsonString());
        var spec = new JobSpec { Dataset = "shapes/manifest.csv", Model = "shapes-model", Methods = [new MethodSpec("cam")] };
        var error = await Assert.ThrowsAsync<JobValidationException>(() =>
            EmbeddedJob.RunAsync(new EmbeddedOptions(spec, workspace.DataRoot, workspace.ModelRoot, Path.Combine(workspace.Root, "cam.db"), 1)));
        Assert.Equal("model", error.Field);
        Assert.Contains("fc.weight", error.Message);
        Assert.Contains("5 classes", error.Message);
    }
}
