namespace Cam.Engine.Methods;

/// <summary>
/// Which published formula a method follows where implementations disagree: Grad-CAM++'s alpha is the case in point
/// (torchcam never applies its denominator; the paper and pytorch-grad-cam do). Methods without such a choice ignore it.
/// </summary>
public enum MethodConvention
{
    Paper,
    Torchcam,
    /// <summary>pytorch-grad-cam 1.5.5's Grad-CAM++: α = g² / (2g² + (Σ_ab A)·g³ + 1e-6) where g ≠ 0.</summary>
    Pgc,
}

public static class MethodConventions
{
    public static MethodConvention Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        null or "" or "paper" => MethodConvention.Paper,
        "torchcam" => MethodConvention.Torchcam,
        "pgc" => MethodConvention.Pgc,
        _ => throw new ArgumentException($"unknown convention '{text}' (paper, torchcam or pgc)"),
    };

    public static string Name(this MethodConvention convention) => convention switch
    {
        MethodConvention.Torchcam => "torchcam",
        MethodConvention.Pgc => "pgc",
        _ => "paper",
    };
}
