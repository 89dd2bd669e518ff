using Cam.Engine.Precision;

namespace Cam.Engine.Parity;

/// <summary>
/// How close a port must come to the reference fixtures: normalised maps (and fused maps) in absolute terms, raw maps
/// and logits relative to the largest magnitude of the expected tensor. Reduced precision gets looser bounds.
/// </summary>
public sealed record ParityTolerances(double NormalizedAbsolute, double RawRelative, double LogitsRelative)
{
    public static readonly ParityTolerances Float32 = new(1e-4, 1e-4, 1e-4);

    /// <summary>
    /// bfloat16/float16 forwards (the masked ones, and the gradient methods' explained forward and backward): normalised
    /// maps within 1e-2, logits and raw maps within 5e-2 relative.
    /// </summary>
    public static readonly ParityTolerances Reduced = new(1e-2, 5e-2, 5e-2);

    public static ParityTolerances For(ForwardPrecision precision) => precision.IsReduced ? Reduced : Float32;
}
