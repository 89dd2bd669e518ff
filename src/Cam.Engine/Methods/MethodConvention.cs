namespace Cam.Engine.Methods;

/// <summary>
/// Which published formula a method follows where implementations disagree: Grad-CAM++'s alpha is the case in point
/// (torchcam never applies its denominator; the paper and pytorch-grad-cam do). Methods without such a choice ignore it.
/// </summary>
public enum MethodConvention
{
    Paper,
    Torchcam,
}

public static class MethodConventions
{
    public static MethodConvention Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "paper" => MethodConvention.Paper,
        "torchcam" => MethodConvention.Torchcam,
        _ => throw new ArgumentException($"unknown convention '{text}' (paper or torchcam)"),
    };

    public static string Name(this MethodConvention convention) => convention == MethodConvention.Torchcam ? "torchcam" : "paper";
}
