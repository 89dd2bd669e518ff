using SkiaSharp;

namespace Cam.Export;

/// <summary>
/// A map as an 8-bit grey PNG of its own size: value v ∈ [0, 1] → round(255·v), values outside clamped (maps are
/// stored normalised). Files go under <c>maps/</c>, a folder per thousand items, so that no folder holds millions.
/// </summary>
internal static class MapPng
{
    public static string RelativePath(ResultRecord row) =>
        Path.Combine("maps", (row.Item / 1000).ToString("D6"),
            $"{row.Item}_{Safe(row.Method)}_{Safe(row.Layer)}_{row.ClassIndex}.png");

    public static void Write(string path, ReadOnlySpan<float> values, int height, int width)
    {
        if (values.Length != height * width)
            throw new InvalidOperationException($"a map of {values.Length} values is not {height}×{width}");
        using var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Gray8, SKAlphaType.Opaque));
        var stride = bitmap.RowBytes;
        var pixels = new byte[stride * height];
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
                pixels[y * stride + x] = (byte)Math.Round(255 * Math.Clamp(values[y * width + x], 0f, 1f));
        System.Runtime.InteropServices.Marshal.Copy(pixels, 0, bitmap.GetPixels(), pixels.Length);
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        data.SaveTo(file);
    }

    private static string Safe(string name) => new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').ToArray());
}
