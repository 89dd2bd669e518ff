using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Datasets;
using Cam.Engine;
using Cam.Engine.Methods;
using Cam.Engine.Packages;
using Cam.Engine.Precision;
using Cam.Engine.Preprocessing;
using Cam.Specs;
using Cam.Storage;
using Cam.Worker;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Jobs.Tests;

public class ReducedPrecisionJobTests
{
    [Fact]
    public async Task A_worker_set_to_bfloat16_channels_last_stores_ScoreCam_and_GradCam_maps_within_1e2_of_float32()
    {
        using var workspace = new DemoWorkspace(images: 4, withBadItems: false);
        var database = Path.Combine(workspace.Root, "cam.db");
        MethodSpec[] methods = [new("scorecam"), new("gradcam")];
        var spec = new JobSpec { Dataset = "shapes/manifest.csv", Model = "shapes-model", Methods = methods, Classes = "top:2", ShardSize = 3 };
        var precision = new ForwardPrecision(ScalarType.BFloat16, ChannelsLast: true);
        var options = new EmbeddedOptions(spec, workspace.DataRoot, workspace.ModelRoot, database, Workers: 1) { Precision = precision };
        var summary = await EmbeddedJob.RunAsync(options);
        Assert.Equal("completed", summary.State);
        Assert.Equal(4 * methods.Length * 2, summary.Results);

        await using var services = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(database)).BuildServiceProvider();
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var rows = await db.Results.Where(r => r.JobId == summary.JobId).ToListAsync();

        // float32 maps from the engine alone, on the same images.
        using var package = ModelPackage.Load(Path.Combine(workspace.ModelRoot, "shapes-model"));
        var paths = File.ReadAllLines(Path.Combine(workspace.DataRoot, "shapes", "manifest.csv")).Skip(1).Select(l => l.Split(',')[0]).ToList();
        var images = paths.Select(p => ImageDecoder.Decode(Path.Combine(workspace.DataRoot, "shapes", p))).ToList();
        using var input = new Preprocessor(package.Manifest.Preprocess).Batch(images);
        var largest = new Dictionary<string, float>();
        foreach (var name in new[] { "scorecam", "gradcam" })
        {
            using var expected = new CamExplainer(package.Classifier, CamMethods.Create(name), package.Manifest.TargetLayers)
                .Explain(input, ClassSelection.Top(2));
            for (var item = 0; item < paths.Count; item++)
                for (var rank = 0; rank < 2; rank++)
                {
                    var row = rows.Single(r => r.Method == name && r.ItemNumber == item && r.ClassRank == rank);
                    using var stored = torch.tensor(row.MapValues(), [row.MapHeight, row.MapWidth]);
                    var difference = (stored - expected.Maps[0][item, rank]).abs().max().item<float>();
                    largest[name] = Math.Max(largest.GetValueOrDefault(name), difference);
                }
        }
        // Reduced precision shows (bfloat16 keeps 8 bits of mantissa): the masked forwards, and Grad-CAM's forward and
        // backward, were really cast.
        foreach (var name in new[] { "scorecam", "gradcam" })
        {
            Assert.True(largest[name] < 1e-2, $"{name} in bfloat16 differs from float32 by {largest[name]}");
            Assert.True(largest[name] > 1e-5, $"{name} maps equal float32 to {largest[name]}: the worker did not run it in bfloat16");
        }
    }

    [Theory]
    [InlineData("bfloat16", null, ScalarType.BFloat16, false)]
    [InlineData("fp16", "true", ScalarType.Float16, true)]
    public void Worker_precision_is_read_from_CAM_WORKER_DTYPE_and_CAM_WORKER_CHANNELS_LAST(string dtype, string? channelsLast,
        ScalarType expected, bool expectedLayout)
    {
        var settings = WorkerSettings.From(SettingsTests.Configuration(("CAM_WORKER_DTYPE", dtype), ("CAM_WORKER_CHANNELS_LAST", channelsLast)));
        Assert.Equal(expected, settings.Precision!.DType);
        Assert.Equal(expectedLayout, settings.Precision.ChannelsLast);
        Assert.Null(WorkerSettings.From(SettingsTests.Configuration(("CAM_WORKER_DTYPE", "float32"))).Precision);
    }

    [Theory]
    [InlineData("CAM_WORKER_DTYPE", "bf61")]
    [InlineData("CAM_WORKER_CHANNELS_LAST", "yes please")]
    public void A_mistyped_precision_setting_stops_the_worker_naming_the_variable(string variable, string value)
    {
        var error = Assert.Throws<InvalidSettingException>(() => WorkerSettings.From(SettingsTests.Configuration((variable, value))));
        Assert.StartsWith(variable + ":", error.Message);
    }
}
