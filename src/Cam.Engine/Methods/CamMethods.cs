using Cam.Contracts;

namespace Cam.Engine.Methods;

/// <summary>Options a method may take; each uses the ones it knows.</summary>
public sealed record MethodOptions
{
    public string? FcLayer { get; init; }
    public int? NumSamples { get; init; }
    public float? Std { get; init; }
    public long Seed { get; init; }
    public MethodConvention Convention { get; init; } = MethodConvention.Paper;
    /// <summary>What a gradient method differentiates; an error for a method that differentiates nothing, unless the logit.</summary>
    public ScoreTarget Target { get; init; } = ScoreTarget.Logit;
    public bool AugSmooth { get; init; }
    /// <summary>Eigen smoothing; an error for a method that does not offer it (<see cref="CamMethod.OffersEigenSmooth"/>).</summary>
    public bool EigenSmooth { get; init; }

    /// <summary>
    /// The options of a job spec's method: the one mapping from <see cref="MethodSpec"/> used by workers, the probe and
    /// the audit. Unknown convention or target names are errors.
    /// </summary>
    public static MethodOptions From(MethodSpec spec) => new()
    {
        NumSamples = spec.NumSamples, Std = spec.Std, Seed = spec.Seed, Convention = MethodConventions.Parse(spec.Convention),
        Target = ScoreTargets.Parse(spec.Target), AugSmooth = spec.AugSmooth, EigenSmooth = spec.EigenSmooth,
    };
}

/// <summary>The methods by name (<see cref="MethodNames"/>), with their defaults.</summary>
public static class CamMethods
{
    public static IReadOnlyList<string> Names => MethodNames.All;

    /// <summary>The method of a job spec's entry (<see cref="MethodOptions.From"/>).</summary>
    public static CamMethod Create(MethodSpec spec) => Create(spec.Name, MethodOptions.From(spec));

    public static CamMethod Create(string name, MethodOptions? options = null)
    {
        options ??= new MethodOptions();
        CamMethod method = name.ToLowerInvariant() switch
        {
            MethodNames.Cam => new ClassActivationMap(options.FcLayer),
            MethodNames.ScoreCam => new ScoreCam(),
            MethodNames.SmoothScoreCam =>
                new SmoothScoreCam(options.NumSamples ?? SmoothScoreCam.DefaultSamples, options.Std ?? SmoothScoreCam.DefaultStd, options.Seed),
            MethodNames.IntegratedScoreCam => new IntegratedScoreCam(options.NumSamples ?? IntegratedScoreCam.DefaultSamples),
            MethodNames.GradCam => new GradCam(),
            MethodNames.GradCamPlusPlus => new GradCamPlusPlus(options.Convention),
            MethodNames.SmoothGradCamPlusPlus => new SmoothGradCamPlusPlus(options.NumSamples ?? SmoothGradCamPlusPlus.DefaultSamples,
                options.Std ?? SmoothGradCamPlusPlus.DefaultStd, options.Seed),
            MethodNames.XGradCam => new XGradCam(),
            MethodNames.LayerCam => new LayerCam(),
            MethodNames.HiResCam => new HiResCam(),
            MethodNames.GradCamElementWise => new GradCamElementWise(),
            MethodNames.EigenCam => new EigenCam(),
            MethodNames.EigenGradCam => new EigenGradCam(),
            MethodNames.KpcaCam => new KernelPcaCam(),
            MethodNames.Fem => new FeatureExplanationMethod(),
            MethodNames.RandomCam => new RandomCam(options.Seed),
            MethodNames.FinerCam => new FinerCam(),
            MethodNames.ShapleyCam => new ShapleyCam(),
            MethodNames.AblationCam => new AblationCam(),
            MethodNames.FullGrad => new FullGrad(),
            MethodNames.RefineCam => new RefineCam(options.Convention),
            MethodNames.LeGrad => new LeGrad(),
            _ => throw new ArgumentException($"unknown method '{name}' (known: {string.Join(", ", Names)})"),
        };
        if (options.Target != ScoreTarget.Logit && !method.HonoursTarget)
            throw new ArgumentException($"{method.Name} differentiates no class score: target '{options.Target.Name()}' does not apply to it");
        if (options.EigenSmooth && !method.OffersEigenSmooth)
            throw new ArgumentException($"{method.Name} has no eigen smoothing (its map is not a weighting of the activations)");
        method.Target = options.Target;
        method.EigenSmooth = options.EigenSmooth;
        method.AugSmooth = options.AugSmooth;
        return method;
    }
}
