using Cam.Contracts;
using Cam.Engine.Methods;
using Cam.Engine.Precision;

namespace Cam.Cli.Commands;

/// <summary>The method options shared by the job commands: which methods, and the convention where implementations disagree.</summary>
public static class MethodArguments
{
    public static readonly string MethodsHelp = $"comma-separated: {string.Join(", ", MethodNames.All)}";

    /// <summary><c>--methods</c>, by default the jobs API's (<see cref="MethodNames.Default"/>).</summary>
    public static Option<string> Methods() => new("--methods")
    {
        Description = MethodsHelp, DefaultValueFactory = _ => string.Join(",", MethodNames.Default),
    };

    /// <summary><c>--classes</c>, by default the jobs API's (<see cref="ClassPolicy.DefaultText"/>).</summary>
    public static Option<string> Classes() => new("--classes")
    {
        Description = "top:k, label, or class indices", DefaultValueFactory = _ => ClassPolicy.DefaultText,
    };

    public static Option<string?> Convention() => new("--convention")
    {
        Description = "paper (default), torchcam or pgc: Grad-CAM++'s alpha (and refinecam's base) as published, as torchcam or as " +
            "pytorch-grad-cam 1.5.5 computes it; other methods ignore it",
    };

    public static Option<string?> Target() => new("--target")
    {
        Description = "what the gradient methods differentiate: logit (default), softmax, or rest (logit minus cross-entropy); "
            + "the other methods keep their own",
    };

    public static Option<bool> AugSmooth() => new("--aug-smooth")
    {
        Description = "test-time augmentation: six passes (horizontal flip x brightness 0.9, 1, 1.1), maps normalised, flipped back, averaged",
    };

    public static Option<bool> EigenSmooth() => new("--eigen-smooth")
    {
        Description = "the first principal component of the weighted activations instead of their sum, for the methods that offer it",
    };

    public static Option<int> MetricSteps() => new("--metric-steps")
    {
        Description = "steps of the deletion and insertion curves", DefaultValueFactory = _ => Contracts.MetricSteps.Default,
    };

    /// <summary>
    /// The worker's precision (--dtype and --channels-last): the masked and ablated forwards, the faithfulness metrics'
    /// forwards, and the gradient methods' explained forward and backward.
    /// </summary>
    public static (Option<string> DType, Option<bool> ChannelsLast) Precision() => (
        new Option<string>("--dtype")
        {
            DefaultValueFactory = _ => "float32",
            Description = "precision of the masked forwards and of the gradient methods' forward and backward: float32, bfloat16 or " +
                "float16 (activations, gradients and maps are combined in float32)",
        },
        new Option<bool>("--channels-last") { Description = "reduced-precision forwards in the channels-last memory layout" });

    /// <summary>The precision asked for; null for plain float32.</summary>
    public static ForwardPrecision? ParsePrecision(string? dtype, bool channelsLast) => ForwardPrecision.Parse(dtype, channelsLast).UnlessPlain;

    /// <summary>
    /// One spec per comma-separated method name, each with the convention and aug-smooth; the target goes to the
    /// methods that honour one and eigen smoothing to those that offer it (an error when none of them does).
    /// </summary>
    public static List<MethodSpec> Specs(string methods, string? convention, string? target = null, bool augSmooth = false, bool eigenSmooth = false)
    {
        if (convention is not null && !MethodNames.Conventions.Contains(convention))
            throw new ArgumentException($"unknown convention '{convention}' (known: {string.Join(", ", MethodNames.Conventions)})");
        if (target is not null) ScoreTargets.Parse(target);
        var specs = methods.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(m =>
            new MethodSpec(m, Convention: convention, AugSmooth: augSmooth, Target: MethodNames.TakesTarget(m) ? target : null,
                EigenSmooth: eigenSmooth && MethodNames.OffersEigenSmooth(m))).ToList();
        if (target is not null && specs.All(s => s.Target is null))
            throw new ArgumentException($"--target applies to the gradient methods, and none of '{methods}' is one");
        if (eigenSmooth && !specs.Any(s => s.EigenSmooth))
            throw new ArgumentException($"--eigen-smooth applies to methods that weight the activations, and none of '{methods}' does");
        return specs;
    }
}
