using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Datasets;
using Cam.Engine;
using Cam.Engine.Methods;
using Cam.Engine.Packages;
using Cam.Engine.Preprocessing;
using Cam.Scheduler.Validation;
using Cam.Specs;
using Cam.Storage;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Jobs.Tests;

/// <summary>
/// Methods that cannot explain a model are refused before any work (the model probed in process), and a method that
/// fails at run time costs only its own results: the TorchScript packages of tests/Fixtures/applicability.
/// </summary>
public class MethodApplicabilityTests
{
    private static EmbeddedOptions Options(ApplicabilityWorkspace workspace, string model, string methods, string database) =>
        new(new JobSpec
        {
            Dataset = ApplicabilityWorkspace.Manifest, Model = model,
            Methods = methods.Split(',').Select(m => new MethodSpec(m)).ToList(), ShardSize = 16,
        }, workspace.DataRoot, workspace.ModelRoot, database, Workers: 1);

    private static async Task<CamDbContext> OpenAsync(string database, ServiceProvider services) =>
        await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();

    [Fact]
    public async Task Cam_on_a_head_with_a_hidden_layer_is_refused_at_submission_naming_the_method_the_model_and_the_reason()
    {
        using var workspace = new ApplicabilityWorkspace(demoImages: 3);
        var database = Path.Combine(workspace.Root, "cam.db");

        // MobileNetV3's head: pool the last convolution (144 channels at width 0.25), Linear(144, 256), Hardswish, Linear(256, 5).
        var error = await Assert.ThrowsAsync<JobValidationException>(() =>
            EmbeddedJob.RunAsync(Options(workspace, "mobilenet-head", "cam,scorecam", database)));
        Assert.Equal("methods", error.Field);
        Assert.StartsWith("methods: method 'cam' does not apply to model 'mobilenet-head': ", error.Message);
        Assert.Contains("'model.classifier.3' takes 256 features but layer 'features' has 144 channels", error.Message);
        Assert.DoesNotContain("scorecam", error.Message);

        // Shapes that fit, yet logits that are not linear in the pooled features.
        var sameWidth = await Assert.ThrowsAsync<JobValidationException>(() =>
            EmbeddedJob.RunAsync(Options(workspace, "hidden-same-width", "scorecam,cam", database)));
        Assert.StartsWith("methods: method 'cam' does not apply to model 'hidden-same-width': its logits are not the fully connected layer 'fc'",
            sameWidth.Message);

        // No gradient reaches a detached layer: every gradient method is refused, in one message.
        var detached = await Assert.ThrowsAsync<JobValidationException>(() =>
            EmbeddedJob.RunAsync(Options(workspace, "detached", "gradcam,scorecam,layercam", database)));
        Assert.StartsWith("methods: method 'gradcam' does not apply to model 'detached': no gradient reaches the target layers", detached.Message);
        Assert.Contains("; method 'layercam' does not apply to model 'detached'", detached.Message);

        await using var services = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(database)).BuildServiceProvider();
        await using var db = await OpenAsync(database, services);
        Assert.Empty(await db.Jobs.ToListAsync());
    }

    [Fact]
    public async Task Cam_applies_to_a_linear_head_over_pooled_features_and_its_maps_are_the_head_rows_times_the_channels()
    {
        using var workspace = new ApplicabilityWorkspace(demoImages: 3);
        var database = Path.Combine(workspace.Root, "cam.db");
        var summary = await EmbeddedJob.RunAsync(Options(workspace, "linear-head", "cam", database));
        Assert.Equal("completed", summary.State);
        Assert.Equal(workspace.Items, summary.Results);

        // Oracle: the TorchScript module's own fc rows and features, combined by hand and min-max normalised.
        using var module = jit.load(Path.Combine(workspace.ModelRoot, "linear-head", "model.pt"));
        var preprocessor = new Preprocessor(ModelManifestReader.Read(Path.Combine(workspace.ModelRoot, "linear-head")).Preprocess);
        var fc = module.named_parameters().Single(p => p.name == "fc.weight").parameter.detach();
        await using var services = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(database)).BuildServiceProvider();
        await using var db = await OpenAsync(database, services);
        var rows = await db.Results.Where(r => r.JobId == summary.JobId).ToListAsync();
        var paths = File.ReadAllLines(Path.Combine(workspace.DataRoot, ApplicabilityWorkspace.Manifest)).Skip(1)
            .Select(l => l.Split(',')[0]).ToList();
        for (var item = 0; item < paths.Count; item++)
        {
            using var scope = NewDisposeScope();
            var x = preprocessor.Batch([ImageDecoder.Decode(Path.Combine(workspace.DataRoot, paths[item]))]);
            var output = (System.Runtime.CompilerServices.ITuple)module.call(x);
            var logits = (Tensor)output[0]!;
            var features = ((Tensor)output[1]!)[0];
            var top = logits.argmax(1).item<long>();
            var raw = torch.einsum("c,chw->hw", fc.select(0, top), features);
            var (low, high) = (raw.min().item<float>(), raw.max().item<float>());
            var map = (raw - low) / (high - low);
            Assert.False(map.isnan().any().item<bool>(), $"item {item}: the oracle map is constant ({low} to {high})");
            var row = rows.Single(r => r.ItemNumber == item);
            Assert.Equal(top, row.ClassIndex);
            var difference = (torch.tensor(row.MapValues(), [row.MapHeight, row.MapWidth]) - map).abs().max().item<float>();
            Assert.True(difference < 1e-4, $"item {item}: the stored CAM differs from the head rows times the features by {difference}");
        }
    }

    [Fact]
    public async Task A_method_that_fails_on_one_item_costs_neither_that_items_other_methods_nor_the_other_items()
    {
        using var workspace = new ApplicabilityWorkspace(demoImages: 4);
        var database = Path.Combine(workspace.Root, "cam.db");
        // linear-head cuts the graph for a batch holding an image whose normalised mean is above 0.9: the white one's is 1.
        var summary = await EmbeddedJob.RunAsync(Options(workspace, "linear-head", "cam,gradcam,scorecam", database));
        var white = workspace.Items - 1;

        Assert.Equal("completed_with_errors", summary.State);
        Assert.Equal(workspace.Items, summary.Succeeded);
        Assert.Equal(0, summary.Failed);
        Assert.Equal(3 * workspace.Items - 1, summary.Results);
        var tally = summary.Methods.ToDictionary(m => m.Method);
        Assert.Equal((workspace.Items, 0L), (tally["cam"].Results, tally["cam"].FailedItems));
        Assert.Equal((workspace.Items - 1, 1L), (tally["gradcam"].Results, tally["gradcam"].FailedItems));
        Assert.Equal((workspace.Items, 0L), (tally["scorecam"].Results, tally["scorecam"].FailedItems));

        await using var services = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(database)).BuildServiceProvider();
        await using var db = await OpenAsync(database, services);
        var error = Assert.Single(await db.ItemErrors.Where(e => e.JobId == summary.JobId).ToListAsync());
        Assert.Equal(("gradcam", (long?)white, "explain"), (error.Method, error.ItemNumber, error.Stage));
        Assert.Contains("cannot be differentiated", error.Message);

        // The other items' Grad-CAM maps are the engine's on those images alone (a batch without the white one).
        using var package = ModelPackage.Load(Path.Combine(workspace.ModelRoot, "linear-head"));
        var paths = File.ReadAllLines(Path.Combine(workspace.DataRoot, ApplicabilityWorkspace.Manifest)).Skip(1)
            .Select(l => l.Split(',')[0]).Take(white).ToList();
        using var input = new Preprocessor(package.Manifest.Preprocess)
            .Batch(paths.Select(p => ImageDecoder.Decode(Path.Combine(workspace.DataRoot, p))).ToList());
        using var expected = new CamExplainer(package.Classifier, new GradCam(), ["features"]).Explain(input, ClassSelection.Top(1));
        var rows = await db.Results.Where(r => r.JobId == summary.JobId && r.Method == "gradcam").ToListAsync();
        for (var item = 0; item < white; item++)
        {
            var row = rows.Single(r => r.ItemNumber == item);
            var difference = (torch.tensor(row.MapValues(), [row.MapHeight, row.MapWidth]) - expected.Maps[0][item, 0]).abs().max().item<float>();
            Assert.True(difference < 1e-4, $"gradcam item {item}: stored map differs by {difference}");
        }
    }

    [Fact]
    public async Task Without_a_probe_answer_the_worker_fails_the_inapplicable_method_for_the_whole_job_and_keeps_the_others()
    {
        using var workspace = new ApplicabilityWorkspace(demoImages: 3);
        var database = Path.Combine(workspace.Root, "cam.db");
        var options = Options(workspace, "mobilenet-head", "cam,scorecam", database) with { ProbeTimeout = TimeSpan.Zero };
        var summary = await EmbeddedJob.RunAsync(options);

        Assert.Equal("completed_with_errors", summary.State);
        Assert.Equal(workspace.Items, summary.Succeeded);
        Assert.Equal(workspace.Items, summary.Results);
        var cam = summary.Methods.Single(m => m.Method == "cam");
        Assert.Equal((0L, 0L), (cam.Results, cam.FailedItems));
        Assert.StartsWith("method 'cam' does not apply to model 'mobilenet-head': its fully connected layer 'model.classifier.3' takes 256 features",
            cam.JobError);
        Assert.Equal(workspace.Items, summary.Methods.Single(m => m.Method == "scorecam").Results);

        await using var services = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(database)).BuildServiceProvider();
        await using var db = await OpenAsync(database, services);
        var error = Assert.Single(await db.ItemErrors.Where(e => e.JobId == summary.JobId).ToListAsync());
        Assert.Equal(("cam", (long?)null, "method"), (error.Method, error.ItemNumber, error.Stage));
    }
}
