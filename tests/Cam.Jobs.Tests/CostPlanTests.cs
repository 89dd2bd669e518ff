using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Datasets;
using Cam.Engine.Preprocessing;
using Cam.Engine.Packages;
using Cam.Scheduler.Planning;
using Cam.Specs;
using Cam.Tests.Shared;
using static TorchSharp.torch;

namespace Cam.Jobs.Tests;

/// <summary>The cost preview: forwards per item per method as the issue counts them, and a probe that measures the rate.</summary>
public class CostPlanTests
{
    [Fact]
    public void Forwards_per_item_follow_each_methods_count_of_forwards_and_backwards()
    {
        // Two layers of 8 channels (half of them constant on the samples) and 16, top-2 classes, metrics with 4 steps, 2 500 forwards/s.
        var probe = new ModelProbed
        {
            Layers = [new LayerShape("a", 8, 4, 4, ActiveShare: 0.5), new LayerShape("b", 16, 2, 2)],
            Methods = [new("cam", true, null), new("scorecam", true, null), new("sscam", true, null, Samples: 3),
                new("iscam", true, null, Samples: 5),
                new("gradcam", true, null), new("smoothgradcampp", true, null, Samples: 4)],
            ForwardsPerSecond = 2500, Device = "cpu",
        };
        MethodSpec[] methods =
            [new("cam"), new("scorecam"), new("sscam", NumSamples: 3), new("iscam", NumSamples: 5), new("gradcam"),
            new("smoothgradcampp", NumSamples: 4)];
        var plan = CostPlanner.Plan(items: 1000, methods, probe, classesPerItem: 2, metrics: true, metricSteps: 4, workers: 4);

        const long channels = 8 + 16, active = 4 + 16;
        var metricForwards = 2 * (2 + 1) * (1 + 2 * (4 + 1)); // K × (layers + fused) maps, 1 + 2·(steps + 1) forwards each
        var expected = new Dictionary<string, long>
        {
            ["cam"] = 1,
            ["scorecam"] = 1 + active,
            ["sscam"] = 1 + 3 * channels, // noisy masks are never shared
            ["iscam"] = 1 + 5 * active,
            ["gradcam"] = 1 + 2,
            ["smoothgradcampp"] = 1 + 4 * (1 + 2),
        };
        foreach (var cost in plan.Methods)
        {
            Assert.Equal(expected[cost.Method], cost.ExplainForwards);
            Assert.Equal(metricForwards, cost.MetricForwards);
        }
        var perItem = expected.Values.Sum() + 6 * metricForwards;
        Assert.Equal(perItem, plan.ForwardsPerItem);
        Assert.Equal(1000 * perItem, plan.Forwards);
        Assert.Equal(1000.0 * perItem / 2500 / 3600, plan.DeviceHours!.Value, 9);
        Assert.Equal(1000.0 * perItem / 2500 / 4, plan.WallSeconds!.Value, 6);
    }

    [Fact]
    public async Task The_plan_of_the_demo_counts_its_items_and_the_channels_of_its_layer_and_measures_a_forward_rate()
    {
        using var workspace = new DemoWorkspace(images: 7, withBadItems: false);
        var spec = new JobSpec { Dataset = "shapes/manifest.csv", Model = "shapes-model", Methods = [new("cam"), new("scorecam")] };
        var plan = await EmbeddedJob.PlanAsync(new EmbeddedOptions(spec, workspace.DataRoot, workspace.ModelRoot,
            Path.Combine(workspace.Root, "plan.db"), Workers: 2));

        // Oracle: the package's own forward of the 7 images gives the layer's channels and those not constant on an image.
        using var package = ModelPackage.Load(Path.Combine(workspace.ModelRoot, "shapes-model"));
        var manifest = Path.Combine(workspace.DataRoot, "shapes", "manifest.csv");
        var images = File.ReadAllLines(manifest).Skip(1)
            .Select(l => ImageDecoder.Decode(Path.Combine(workspace.DataRoot, "shapes", l.Split(',')[0]))).ToList();
        using var input = new Preprocessor(package.Manifest.Preprocess).Batch(images);
        using var pass = package.Classifier.Forward(input, ["features"]);
        var channels = pass.Activations[0].shape[1];
        var values = pass.Activations[0].flatten(2).data<float>().ToArray();
        var size = (int)(values.Length / (7 * channels));
        var activeRows = Enumerable.Range(0, (int)(7 * channels)).Count(row => values.Skip(row * size).Take(size).Distinct().Count() > 1);
        var active = (long)Math.Round((double)activeRows / (7 * channels) * channels);
        Assert.True(plan.Probed);
        Assert.Equal(7, plan.Items);
        Assert.Equal(channels, Assert.Single(plan.Layers).Channels);
        Assert.Equal(7 * (1 + (1 + active)), plan.Forwards);
        Assert.True(plan.ForwardsPerSecond > 0);
        Assert.Equal(plan.Forwards / plan.ForwardsPerSecond!.Value / 2, plan.WallSeconds!.Value, 6);
    }

    [Fact]
    public async Task A_plan_is_refused_like_the_job_when_a_method_cannot_apply()
    {
        using var workspace = new ApplicabilityWorkspace(demoImages: 1);
        var spec = new JobSpec { Dataset = ApplicabilityWorkspace.Manifest, Model = "mobilenet-head", Methods = [new("cam")] };
        var error = await Assert.ThrowsAsync<Cam.Scheduler.Validation.JobValidationException>(() =>
            EmbeddedJob.PlanAsync(new EmbeddedOptions(spec, workspace.DataRoot, workspace.ModelRoot,
                Path.Combine(workspace.Root, "plan.db"), Workers: 1)));
        Assert.StartsWith("methods: method 'cam' does not apply to model 'mobilenet-head'", error.Message);
    }
}
