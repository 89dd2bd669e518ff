using SkiaSharp;

namespace Cam.Datasets.Tests;

internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cam-data-").FullName;

    public string File(string relative, string? text = null)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        if (text is not null) System.IO.File.WriteAllText(full, text);
        return full;
    }

    /// <summary>Writes a solid-colour image of the given size and format.</summary>
    public string Image(string relative, int width, int height, SKColor color, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        var full = File(relative);
        using var bitmap = new SKBitmap(width, height);
        bitmap.Erase(color);
        using var data = bitmap.Encode(format, 95);
        System.IO.File.WriteAllBytes(full, data.ToArray());
        return full;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
