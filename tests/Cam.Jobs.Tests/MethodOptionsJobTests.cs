using Cam.Cli.Commands;
using Cam.Contracts;
using Cam.Scheduler;
using Cam.Scheduler.Planning;
using Cam.Scheduler.Validation;
using Cam.Specs;

namespace Cam.Jobs.Tests;

/// <summary>The methods taken from pytorch-grad-cam in job specs: validation of their options, and their cost.</summary>
public class MethodOptionsJobTests
{
    private static readonly JobSpecValidator Validator = new(new ModelPackageInspector(new SchedulerSettings()));

    private static JobValidationException Refusal(params MethodSpec[] methods) =>
        Assert.Throws<JobValidationException>(() => Validator.Validate(new JobSpec { Dataset = "d", Model = "m", Methods = methods }));

    [Fact]
    public void A_target_is_refused_by_name_when_unknown_or_given_to_a_method_that_differentiates_nothing()
    {
        var unknown = Refusal(new MethodSpec("gradcam", Target: "probability"));
        Assert.Equal("methods[0].target", unknown.Field);
        Assert.Contains("logit, softmax, rest", unknown.Message);
        var scoreCam = Refusal(new MethodSpec("gradcam"), new MethodSpec("scorecam", Target: "softmax"));
        Assert.Equal("methods[1].target", scoreCam.Field);
        Assert.Contains("'scorecam'", scoreCam.Message);
    }

    [Fact]
    public void Eigen_smoothing_is_refused_for_a_method_whose_map_is_not_a_weighting_of_the_activations()
    {
        foreach (var name in new[] { "eigencam", "eigengradcam", "kpcacam", "fem" })
        {
            var refusal = Refusal(new MethodSpec(name, EigenSmooth: true));
            Assert.Equal("methods[0].eigenSmooth", refusal.Field);
        }
    }

    [Fact]
    public void The_cli_gives_the_target_to_gradient_methods_and_eigen_smoothing_to_those_that_offer_it()
    {
        var specs = MethodArguments.Specs("scorecam,hirescam,eigencam", null, "rest", augSmooth: true, eigenSmooth: true);
        Assert.Equal([null, "rest", null], specs.Select(s => s.Target));
        Assert.Equal([true, true, false], specs.Select(s => s.EigenSmooth));
        Assert.All(specs, s => Assert.True(s.AugSmooth));
        Assert.Throws<ArgumentException>(() => MethodArguments.Specs("scorecam,fem", null, "softmax"));
        Assert.Throws<ArgumentException>(() => MethodArguments.Specs("eigencam", null, eigenSmooth: true));
    }

    [Fact]
    public void The_cost_preview_counts_a_backward_per_class_for_the_new_gradient_methods_and_six_passes_with_aug_smooth()
    {
        var probe = new ModelProbed
        {
            Layers = [new LayerShape("a", 8, 4, 4)],
            Methods = [.. new[] { "hirescam", "gradcamelementwise", "eigengradcam", "eigencam", "kpcacam", "fem", "randomcam" }
                .Select(m => new MethodApplicability(m, true, null))],
            ForwardsPerSecond = 100, Device = "cpu",
        };
        MethodSpec[] methods =
        [
            new("hirescam"), new("gradcamelementwise", AugSmooth: true), new("eigengradcam"), new("eigencam"), new("kpcacam", AugSmooth: true),
            new("fem"), new("randomcam"),
        ];
        var plan = CostPlanner.Plan(items: 10, methods, probe, classesPerItem: 3, metrics: false, metricSteps: 4, workers: 1);

        // forward + one backward per class; without gradients the forward alone; aug-smooth six times over
        Assert.Equal([1 + 3, 6 * (1 + 3), 1 + 3, 1, 6, 1, 1], plan.Methods.Select(c => c.ExplainForwards));
    }
}

/// <summary>
/// The methods of issue 24's second part (ablationcam, fullgrad, refinecam, legrad) in job specs and the cost preview.
/// </summary>
public class AblationFullGradRefineJobTests
{
    [Fact]
    public void The_cost_preview_counts_ablation_cam_by_the_layers_channels_unless_the_probe_found_its_closed_form()
    {
        var layers = new[] { new LayerShape("a", 8, 4, 4), new LayerShape("b", 16, 2, 2) };
        ModelProbed Probe(int ablationSamples) => new()
        {
            Layers = layers,
            Methods = [new MethodApplicability("ablationcam", true, null, ablationSamples), new MethodApplicability("fullgrad", true, null),
                new MethodApplicability("refinecam", true, null)],
            ForwardsPerSecond = 100, Device = "cpu",
        };
        MethodSpec[] methods = [new("ablationcam"), new("ablationcam", AugSmooth: true), new("fullgrad"), new("refinecam")];
        var forwards = CostPlanner.Plan(10, methods, Probe(1), classesPerItem: 2, metrics: false, metricSteps: 4, workers: 1);
        // one forward per channel of both layers (8 + 16) after the explained one; fullgrad and refinecam a backward per class
        Assert.Equal([1 + 24, 6 * (1 + 24), 1 + 2, 1 + 2], forwards.Methods.Select(c => c.ExplainForwards));
        var closed = CostPlanner.Plan(10, methods, Probe(0), classesPerItem: 2, metrics: false, metricSteps: 4, workers: 1);
        Assert.Equal([1, 6, 1 + 2, 1 + 2], closed.Methods.Select(c => c.ExplainForwards));
    }

    [Fact]
    public void The_cost_preview_counts_legrads_own_forward_and_a_backward_per_class_and_target_layer()
    {
        var probe = new ModelProbed
        {
            Layers =
            [
                new LayerShape("encoder.layers.encoder_layer_10", 768, 14, 14),
                new LayerShape("encoder.layers.encoder_layer_11", 768, 14, 14),
            ],
            Methods = [new MethodApplicability("legrad", true, null)],
            ForwardsPerSecond = 100, Device = "cpu",
        };
        MethodSpec[] methods = [new("legrad"), new("legrad", AugSmooth: true)];
        var plan = CostPlanner.Plan(10, methods, probe, classesPerItem: 3, metrics: false, metricSteps: 4, workers: 1);
        // the explained forward, legrad's forward with the attention formed, then 3 classes × 2 blocks backwards
        Assert.Equal([1 + 1 + 3 * 2, 6 * (1 + 1 + 3 * 2)], plan.Methods.Select(c => c.ExplainForwards));
    }

    [Fact]
    public void A_job_spec_names_the_new_methods_and_the_pgc_convention_and_refuses_unknown_ones_with_the_list()
    {
        var validator = new JobSpecValidator(new ModelPackageInspector(new SchedulerSettings()));
        var unknown = Assert.Throws<JobValidationException>(() =>
            validator.Validate(new JobSpec { Dataset = "d", Model = "m", Methods = [new MethodSpec("ablation-cam")] }));
        Assert.Contains("ablationcam, fullgrad, refinecam", unknown.Message);
        var target = Assert.Throws<JobValidationException>(() => validator.Validate(new JobSpec
        {
            Dataset = "d", Model = "m",
            Methods =
            [
                new MethodSpec("fullgrad", Target: "softmax"), new MethodSpec("ablationcam", Target: "rest"),
                new MethodSpec("legrad", Target: "softmax"),
            ],
        }));
        // ablationcam scores its ablated copies with the target; legrad's score is its own
        Assert.Equal("methods[2].target", target.Field);
        var convention = Assert.Throws<JobValidationException>(() => validator.Validate(new JobSpec
        {
            Dataset = "d", Model = "m",
            Methods = [new MethodSpec("refinecam", Convention: "pgc"), new MethodSpec("refinecam", Convention: "pytorch")],
        }));
        Assert.Equal("methods[1].convention", convention.Field);
        Assert.Contains("paper, torchcam, pgc", convention.Message);
    }
}
