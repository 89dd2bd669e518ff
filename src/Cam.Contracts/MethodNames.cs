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

    public static readonly IReadOnlyList<string> All =
        [Cam, ScoreCam, SmoothScoreCam, IntegratedScoreCam, GradCam, GradCamPlusPlus, SmoothGradCamPlusPlus, XGradCam, LayerCam];

    /// <summary>The methods that differentiate class scores (one forward and one backward per class).</summary>
    public static readonly IReadOnlyList<string> Gradient = [GradCam, GradCamPlusPlus, SmoothGradCamPlusPlus, XGradCam, LayerCam];

    /// <summary>Where implementations disagree (Grad-CAM++'s alpha): the published formula, or what torchcam computes.</summary>
    public static readonly IReadOnlyList<string> Conventions = ["paper", "torchcam"];

    public static bool IsKnown(string name) => All.Contains(name, StringComparer.Ordinal);
}

/// <summary>The one message that refuses a method for a model, the same from the scheduler, the CLI and a worker.</summary>
public static class MethodApplicabilityMessage
{
    public static string NotApplicable(string method, string model, string? reason) =>
        $"method '{method}' does not apply to model '{model}': {reason ?? "no reason given"}";
}
