namespace Cam.Engine.Precision;

/// <summary>
/// The worker's precision, for the masked forwards and the gradient methods' forward and backward: float32, or
/// bfloat16/float16 with the model's weights and inputs cast (TorchSharp has no autocast), optionally in the
/// channels-last memory layout.
/// </summary>
public sealed record ForwardPrecision(ScalarType DType, bool ChannelsLast = false)
{
    public static readonly ForwardPrecision Float32 = new(ScalarType.Float32);

    public bool IsReduced => DType != ScalarType.Float32;

    public static ForwardPrecision Parse(string? dtype, bool channelsLast = false) => new(dtype?.Trim().ToLowerInvariant() switch
    {
        null or "" or "float32" or "fp32" => ScalarType.Float32,
        "bfloat16" or "bf16" => ScalarType.BFloat16,
        "float16" or "fp16" or "half" => ScalarType.Float16,
        _ => throw new ArgumentException($"unknown dtype '{dtype}' (float32, bfloat16 or float16)"),
    }, channelsLast);

    /// <summary>This precision, or null when it is plain float32 (nothing to cast or re-lay out).</summary>
    public ForwardPrecision? UnlessPlain => IsReduced || ChannelsLast ? this : null;

    public string Name => DType switch
    {
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => "float32",
    };
}
