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
