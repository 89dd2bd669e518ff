namespace Cam.Engine.Layers;

/// <summary>
/// How CAM reads an architecture's head: the linear layer whose rows weight the channels of the pooled features,
/// or why no such layer exists (a vision transformer's head reads the class token). <see cref="Gain"/> names a
/// normalisation between pooling and that layer (ConvNeXt's LayerNorm): its per-channel gain scales the rows;
/// the normalisation's per-image scale and shift change a map only by a positive factor and a constant, which the
/// min-max normalisation of maps removes.
/// </summary>
public sealed record CamHead
{
    private CamHead(string? linear, string? gain, string? notApplicable) => (Linear, Gain, NotApplicable) = (linear, gain, notApplicable);

    public string? Linear { get; }
    public string? Gain { get; }
    /// <summary>Why CAM does not apply to the architecture; null when it does.</summary>
    public string? NotApplicable { get; }

    public static CamHead Of(string linear, string? gain = null) => new(linear, gain, null);

    public static CamHead None(string reason) => new(null, null, reason);
}
