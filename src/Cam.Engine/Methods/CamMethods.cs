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

/// <summary>The methods by name: cam, scorecam, sscam, iscam.</summary>
public static class CamMethods
{
    public static readonly IReadOnlyList<string> Names = ["cam", "scorecam", "sscam", "iscam"];

    public static CamMethod Create(string name, MethodOptions? options = null)
    {
        options ??= new MethodOptions();
        return name.ToLowerInvariant() switch
        {
            "cam" => new ClassActivationMap(options.FcLayer),
            "scorecam" => new ScoreCam(),
            "sscam" => new SmoothScoreCam(options.NumSamples ?? 35, options.Std ?? 2.0f, options.Seed),
            "iscam" => new IntegratedScoreCam(options.NumSamples ?? 10),
            _ => throw new ArgumentException($"unknown method '{name}' (known: {string.Join(", ", Names)})"),
        };
    }
}
