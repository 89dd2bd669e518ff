namespace Cam.Contracts;

/// <summary>The explanation methods and conventions by name: the vocabulary shared by job specs, the scheduler, workers and the engine.</summary>
public static class MethodNames
{
    public const string Cam = "cam";
    public const string ScoreCam = "scorecam";
    public const string SmoothScoreCam = "sscam";
    public const string IntegratedScoreCam = "iscam";
    public const string GradCam = "gradcam";
    public const string GradCamPlusPlus = "gradcampp";
    public const string SmoothGradCamPlusPlus = "smoothgradcampp";
    public const string XGradCam = "xgradcam";
    public const string LayerCam = "layercam";
    public const string HiResCam = "hirescam";
    public const string GradCamElementWise = "gradcamelementwise";
    public const string EigenCam = "eigencam";
    public const string EigenGradCam = "eigengradcam";
    public const string KpcaCam = "kpcacam";
    public const string Fem = "fem";
    public const string RandomCam = "randomcam";
    public const string FinerCam = "finercam";
    public const string ShapleyCam = "shapleycam";
    public const string AblationCam = "ablationcam";
    public const string FullGrad = "fullgrad";
    public const string RefineCam = "refinecam";
    public const string LeGrad = "legrad";

    /// <summary>
    /// Grad-CAM and the methods that weigh its gradients otherwise, one a line: the same run of <see cref="All"/> and
    /// <see cref="Gradient"/>, declared once (static fields initialise in order, so before both).
    /// </summary>
    private static readonly string[] GradCamFamily =
    [
        GradCam,
        GradCamPlusPlus,
        SmoothGradCamPlusPlus,
        XGradCam,
        LayerCam,
        HiResCam,
        GradCamElementWise,
    ];

    /// <summary>Every method, one a line (other branches add theirs as a line).</summary>
    public static readonly IReadOnlyList<string> All =
    [
        Cam,
        ScoreCam,
        SmoothScoreCam,
        IntegratedScoreCam,
        .. GradCamFamily,
        EigenCam,
        EigenGradCam,
        KpcaCam,
        Fem,
        RandomCam,
        FinerCam,
        ShapleyCam,
        AblationCam,
        FullGrad,
        RefineCam,
        LeGrad,
    ];

    /// <summary>The methods that differentiate class scores (one forward and one backward per class), one a line.</summary>
    public static readonly IReadOnlyList<string> Gradient =
    [
        .. GradCamFamily,
        EigenGradCam,
        FinerCam,
        ShapleyCam,
        FullGrad,
        RefineCam,
        LeGrad,
    ];

    /// <summary>Methods whose map is not a weighting of the activations, so without eigen smoothing, one a line.</summary>
    public static readonly IReadOnlyList<string> WithoutEigenSmooth =
    [
        EigenCam,
        EigenGradCam,
        KpcaCam,
        Fem,
        LeGrad,
    ];

    /// <summary>Gradient methods that differentiate a score of their own, not the <c>target</c>, one a line.</summary>
    public static readonly IReadOnlyList<string> WithOwnTarget =
    [
        FinerCam,
        LeGrad,
    ];

    /// <summary>
    /// Methods without gradients that still score classes as <c>target</c> says (Ablation-CAM's ablated copies), one a
    /// line.
    /// </summary>
    public static readonly IReadOnlyList<string> GradientFreeWithTarget =
    [
        AblationCam,
    ];

    /// <summary>
    /// Whether a method scores classes as <c>target</c> chooses: the gradient methods but those with a score of their
    /// own, and <see cref="GradientFreeWithTarget"/>.
    /// </summary>
    public static bool TakesTarget(string name) =>
        (Gradient.Contains(name) || GradientFreeWithTarget.Contains(name)) && !WithOwnTarget.Contains(name);

    /// <summary>Whether a method offers eigen smoothing.</summary>
    public static bool OffersEigenSmooth(string name) => IsKnown(name) && !WithoutEigenSmooth.Contains(name);

    /// <summary>The output targets a gradient method may differentiate (<c>target</c>): logit (the default), softmax, rest.</summary>
    public static readonly IReadOnlyList<string> Targets = ["logit", "softmax", "rest"];

    /// <summary>Where implementations disagree (Grad-CAM++'s alpha): the published formula, or what torchcam computes.</summary>
    public static readonly IReadOnlyList<string> Conventions = ["paper", "torchcam", "pgc"];

    public static bool IsKnown(string name) => All.Contains(name, StringComparer.Ordinal);

    /// <summary>The methods of a job that names none: the jobs API, <c>cam run</c>, <c>plan</c>, <c>submit</c> and <c>evaluate</c> alike.</summary>
    public static readonly IReadOnlyList<string> Default = [Cam, ScoreCam];
}

/// <summary>The one message that refuses a method for a model, the same from the scheduler, the CLI and a worker.</summary>
public static class MethodApplicabilityMessage
{
    public static string NotApplicable(string method, string model, string? reason) =>
        $"method '{method}' does not apply to model '{model}': {reason ?? "no reason given"}";
}
