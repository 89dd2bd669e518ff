using System.Text.Json.Serialization;

namespace Cam.Datasets;

/// <summary>
/// Preprocessing described in data, as stored in a model package: resize the shorter side, center crop, then
/// normalise with mean and std per channel (on values in [0, 1]).
/// </summary>
public sealed record PreprocessSpec
{
    public int? ResizeShorter { get; init; }
    /// <summary>Crop [height, width]; none when null.</summary>
    public int[]? CenterCrop { get; init; }
    public float[] Mean { get; init; } = [0f, 0f, 0f];
    public float[] Std { get; init; } = [1f, 1f, 1f];

    public static readonly PreprocessSpec ImageNet = new()
    {
        ResizeShorter = 256, CenterCrop = [224, 224], Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f],
    };

    [JsonIgnore]
    public (int Height, int Width)? Crop => CenterCrop is [var h, var w] ? (h, w) : null;

    public void Validate()
    {
        if (Mean.Length != 3 || Std.Length != 3) throw new ArgumentException("mean and std need 3 values each");
        if (Std.Any(s => s <= 0)) throw new ArgumentException("std values must be positive");
        if (ResizeShorter is <= 0) throw new ArgumentException("resizeShorter must be positive");
        if (CenterCrop is not null && (CenterCrop.Length != 2 || CenterCrop.Any(c => c <= 0))) throw new ArgumentException("centerCrop must be [height, width]");
    }
}
