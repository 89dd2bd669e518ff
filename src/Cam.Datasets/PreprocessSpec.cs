using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cam.Datasets;

/// <summary>
/// Preprocessing described in data, as stored in a model package: torchvision's eval transform
/// <c>Resize(resize, interpolation, maxSize, antialias) → CenterCrop → ToTensor → Normalize(mean, std)</c>.
/// <c>resizeShorter: n</c> is the older spelling of <c>resize: n</c>. A <see cref="Preset"/> names the transform
/// torchvision's weights declare for the package's architecture (<see cref="PreprocessPresets"/>); the keys given
/// beside it override it.
/// </summary>
public sealed record PreprocessSpec
{
    /// <summary>The keys model.json may use in <c>preprocess</c> (anything else is refused).</summary>
    public static readonly IReadOnlyList<string> Keys =
        ["preset", "resize", "resizeShorter", "maxSize", "interpolation", "antialias", "centerCrop", "mean", "std",
            "fastDecode"];

    public static readonly IReadOnlyList<string> Interpolations = ["bilinear", "bicubic", "nearest"];

    /// <summary>torchvision weights (IMAGENET1K_V1, IMAGENET1K_V2) whose eval transform fills in what is not given.</summary>
    public string? Preset { get; init; }
    /// <summary>torchvision's Resize size: <c>n</c> or <c>[n]</c> (the shorter side), or <c>[height, width]</c>.</summary>
    [JsonConverter(typeof(ResizeSizeConverter))]
    public int[]? Resize { get; init; }
    public int? ResizeShorter { get; init; }
    /// <summary>torchvision's max_size: the longer side after a shorter-side resize is at most this.</summary>
    public int? MaxSize { get; init; }
    /// <summary><c>bilinear</c> (default), <c>bicubic</c> or <c>nearest</c>.</summary>
    public string? Interpolation { get; init; }
    /// <summary>
    /// true (default): PIL's antialiased resampling, as torchvision resizes PIL images; false: PyTorch's interpolate
    /// without antialiasing on the float image (torchvision's Resize(antialias=False) on a float tensor).
    /// </summary>
    public bool? Antialias { get; init; }
    /// <summary>Crop [height, width]; none when null. A crop larger than the image pads it with zeros, as torchvision.</summary>
    public int[]? CenterCrop { get; init; }
    public float[]? Mean { get; init; }
    public float[]? Std { get; init; }
    /// <summary>Decode JPEGs at a reduced DCT scale when the resize allows (faster, pixels differ slightly).</summary>
    public bool? FastDecode { get; init; }

    public static readonly PreprocessSpec ImageNet = new()
    {
        Resize = [256], CenterCrop = [224, 224], Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f],
    };

    [JsonIgnore]
    public (int Height, int Width)? Crop => CenterCrop is [var h, var w] ? (h, w) : null;

    /// <summary>The shorter side of a shorter-side resize (<c>resize: n</c>, <c>[n]</c> or <c>resizeShorter</c>), or null.</summary>
    [JsonIgnore]
    public int? ShorterSide => Resize is [var n] ? n : Resize is null ? ResizeShorter : null;

    /// <summary>Both sides of a <c>resize: [height, width]</c>, or null.</summary>
    [JsonIgnore]
    public (int Height, int Width)? FixedSize => Resize is [var h, var w] ? (h, w) : null;

    [JsonIgnore]
    public string Filter => Interpolation ?? "bilinear";

    [JsonIgnore]
    public bool IsAntialiased => Antialias ?? true;

    [JsonIgnore]
    public float[] MeanValues => Mean ?? [0f, 0f, 0f];

    [JsonIgnore]
    public float[] StdValues => Std ?? [1f, 1f, 1f];

    [JsonIgnore]
    public bool UsesFastDecode => FastDecode ?? false;

    public void Validate()
    {
        if (Preset is not null && !PreprocessPresets.Names.Contains(Preset))
            throw new ArgumentException($"unknown preset '{Preset}' (known: {string.Join(", ", PreprocessPresets.Names)})");
        if (MeanValues.Length != 3 || StdValues.Length != 3) throw new ArgumentException("mean and std need 3 values each");
        if (StdValues.Any(s => s <= 0)) throw new ArgumentException("std values must be positive");
        if (Resize is not null && ResizeShorter is not null) throw new ArgumentException("give resize or resizeShorter, not both");
        if (ResizeShorter is <= 0) throw new ArgumentException("resizeShorter must be positive");
        if (Resize is not null && (Resize.Length is < 1 or > 2 || Resize.Any(s => s <= 0)))
            throw new ArgumentException("resize must be a positive size, [size] or [height, width]");
        if (MaxSize is not null && ShorterSide is not { } shorter)
            throw new ArgumentException("maxSize applies to a shorter-side resize (resize: n) only");
        if (MaxSize is { } max && ShorterSide is { } side && max <= side)
            throw new ArgumentException($"maxSize ({max}) must be larger than the resize ({side})");
        if (!Interpolations.Contains(Filter))
            throw new ArgumentException($"interpolation '{Filter}' is not one of {string.Join(", ", Interpolations)}");
        if (CenterCrop is not null && (CenterCrop.Length != 2 || CenterCrop.Any(c => c <= 0)))
            throw new ArgumentException("centerCrop must be [height, width]");
    }
}

/// <summary>Reads torchvision's Resize size: a number, or a list of one or two numbers.</summary>
public sealed class ResizeSizeConverter : JsonConverter<int[]?>
{
    public override int[]? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number) return [reader.GetInt32()];
        if (reader.TokenType != JsonTokenType.StartArray)
            throw new JsonException("resize must be a number or a list of one or two numbers");
        var sizes = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number) throw new JsonException("resize must hold numbers");
            sizes.Add(reader.GetInt32());
        }
        return [.. sizes];
    }

    public override void Write(Utf8JsonWriter writer, int[]? value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }
        if (value is [var n])
        {
            writer.WriteNumberValue(n);
            return;
        }
        writer.WriteStartArray();
        foreach (var v in value) writer.WriteNumberValue(v);
        writer.WriteEndArray();
    }
}
