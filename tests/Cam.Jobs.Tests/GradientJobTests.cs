using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Datasets;
using Cam.Engine;
using Cam.Engine.Methods;
using Cam.Engine.Packages;
using Cam.Engine.Preprocessing;
using Cam.Specs;
using Cam.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Jobs.Tests;

public class GradientJobTests
{
    [Fact]
    public async Task Gradient_methods_run_through_a_job_and_store_the_maps_the_engine_gives_with_their_convention()
    {
        using var workspace = new DemoWorkspace(images: 4, withBadItems: false);
        var database = Path.Combine(workspace.Root, "cam.db");
        MethodSpec[] methods =
            [new("gradcam"), new("gradcampp", Convention: "torchcam"), new("smoothgradcampp", NumSamples: 2), new("xgradcam"), new("layercam")];
        var spec = new JobSpec { Dataset = "shapes/manifest.csv", Model = "shapes-model", Methods = methods, Classes = "top:2", ShardSize = 3 };
        var summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, workspace.DataRoot, workspace.ModelRoot, database, Workers: 1));
        Assert.Equal("completed", summary.State);
        Assert.Equal(4 * methods.Length * 2, summary.Results);

        await using var services = new ServiceCollection().AddCamStorage(StorageSettings.SqliteFile(database)).BuildServiceProvider();
        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var rows = await db.Results.Where(r => r.JobId == summary.JobId).ToListAsync();
        Assert.Equal(methods.Select(m => m.Name).Order(), rows.Select(r => r.Method).Distinct().Order());

        // The engine on the same images, independently of the pipeline: Grad-CAM++ with torchcam's convention, as the spec asked.
        using var package = ModelPackage.Load(Path.Combine(workspace.ModelRoot, "shapes-model"));
        var paths = File.ReadAllLines(Path.Combine(workspace.DataRoot, "shapes", "manifest.csv")).Skip(1).Select(l => l.Split(',')[0]).ToList();
        var images = paths.Select(p => ImageDecoder.Decode(Path.Combine(workspace.DataRoot, "shapes", p))).ToList();
        using var input = new Preprocessor(package.Manifest.Preprocess).Batch(images);
        foreach (var (name, convention) in new[] { ("gradcampp", MethodConvention.Torchcam), ("gradcam", MethodConvention.Paper) })
        {
            var method = CamMethods.Create(name, new MethodOptions { Convention = convention });
            using var expected = new CamExplainer(package.Classifier, method, package.Manifest.TargetLayers).Explain(input, ClassSelection.Top(2));
            for (var item = 0; item < paths.Count; item++)
                for (var rank = 0; rank < 2; rank++)
                {
                    var row = rows.Single(r => r.Method == name && r.ItemNumber == item && r.ClassRank == rank);
                    Assert.Equal(expected.Classes[item, rank], row.ClassIndex);
                    using var stored = torch.tensor(row.MapValues(), [row.MapHeight, row.MapWidth]);
                    var difference = (stored - expected.Maps[0][item, rank]).abs().max().item<float>();
                    Assert.True(difference < 1e-4, $"{name} item {item} rank {rank}: stored map differs by {difference}");
                }
        }
    }
}
