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
}

/// <summary>The methods by name (<see cref="MethodNames"/>).</summary>
public static class CamMethods
{
    public static IReadOnlyList<string> Names => MethodNames.All;

    public static CamMethod Create(string name, MethodOptions? options = null)
    {
        options ??= new MethodOptions();
        return name.ToLowerInvariant() switch
        {
            MethodNames.Cam => new ClassActivationMap(options.FcLayer),
            MethodNames.ScoreCam => new ScoreCam(),
            MethodNames.SmoothScoreCam => new SmoothScoreCam(options.NumSamples ?? 35, options.Std ?? 2.0f, options.Seed),
            MethodNames.IntegratedScoreCam => new IntegratedScoreCam(options.NumSamples ?? 10),
            MethodNames.GradCam => new GradCam(),
            MethodNames.GradCamPlusPlus => new GradCamPlusPlus(options.Convention),
            MethodNames.SmoothGradCamPlusPlus => new SmoothGradCamPlusPlus(options.NumSamples ?? 4, options.Std ?? 0.3f, options.Seed),
            MethodNames.XGradCam => new XGradCam(),
            MethodNames.LayerCam => new LayerCam(),
            _ => throw new ArgumentException($"unknown method '{name}' (known: {string.Join(", ", Names)})"),
        };
    }
}
