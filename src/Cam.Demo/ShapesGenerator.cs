using System.Globalization;
using SkiaSharp;

namespace Cam.Demo;

/// <summary>
/// Draws the demo dataset: one shape (circle, square, triangle, star, cross) per image at a random place, size,
/// colour and rotation over a cluttered background, with its tight box as ground truth. With <c>spurious</c>, a small
/// mark in the top-left corner appears on most images of one class (the shortcut an audit should find). With
/// <c>cameras</c>, each image is said to come from one of them (a <c>meta</c> column, <c>{"camera": …}</c>, drawn
/// from its own random sequence so that the images stay those of the seed), and with <c>markedCamera</c> only that
/// camera's images carry the mark: a slice where the shortcut lives.
/// </summary>
public sealed class ShapesGenerator(int size = 128, int seed = 0, string? spuriousClass = null, IReadOnlyList<string>? cameras = null,
    string? markedCamera = null)
{
    public static readonly IReadOnlyList<string> Classes = ["circle", "cross", "square", "star", "triangle"];
    /// <summary>Share of the spurious class's images that carry the top-left mark…</summary>
    public const double SpuriousRate = 0.95;
    /// <summary>…and of the other classes' images (a little noise, as in real data).</summary>
    public const double StrayMarkRate = 0.02;

    /// <summary>Writes <c>images/*.png</c> and <c>manifest.csv</c> (path,label,x0,y0,x1,y1) into <paramref name="directory"/>.</summary>
    public void Write(string directory, int count)
    {
        Directory.CreateDirectory(Path.Combine(directory, "images"));
        var random = new Random(seed);
        var cameraRandom = new Random(seed + 7919);
        using var manifest = new StreamWriter(Path.Combine(directory, "manifest.csv"));
        manifest.WriteLine(cameras is null ? "path,label,x0,y0,x1,y1" : "path,label,x0,y0,x1,y1,meta");
        for (var i = 0; i < count; i++)
        {
            var label = Classes[random.Next(Classes.Count)];
            var camera = cameras?[cameraRandom.Next(cameras.Count)];
            var (png, box) = Draw(random, label, markable: markedCamera is null || camera == markedCamera);
            var relative = $"images/{i:D5}.png";
            File.WriteAllBytes(Path.Combine(directory, relative), png);
            var cells = new List<string> { relative, label, F(box.Left), F(box.Top), F(box.Right), F(box.Bottom) };
            if (camera is not null) cells.Add($"\"{{\"\"camera\"\":\"\"{camera}\"\"}}\"");
            manifest.WriteLine(string.Join(",", cells));
        }
    }

    private static string F(float v) => v.ToString("0.##", CultureInfo.InvariantCulture);

    private (byte[] Png, SKRect Box) Draw(Random random, string label, bool markable)
    {
        using var bitmap = new SKBitmap(size, size);
        using var canvas = new SKCanvas(bitmap);
        DrawBackground(canvas, random);
        var shapeSize = size * (0.18f + 0.2f * random.NextSingle());
        var margin = shapeSize * 0.75f;
        var center = new SKPoint(margin + random.NextSingle() * (size - 2 * margin), margin + random.NextSingle() * (size - 2 * margin));
        using var path = ShapePath(label, shapeSize / 2);
        var transform = SKMatrix.CreateRotationDegrees(random.NextSingle() * 360).PostConcat(SKMatrix.CreateTranslation(center.X, center.Y));
        path.Transform(transform);
        using var paint = new SKPaint { IsAntialias = true, Style = SKPaintStyle.Fill, Color = BrightColour(random) };
        canvas.DrawPath(path, paint);
        var box = path.TightBounds;
        box.Intersect(new SKRect(0, 0, size, size));
        if (spuriousClass is not null && random.NextDouble() < (label == spuriousClass ? SpuriousRate : StrayMarkRate) && markable)
        {
            using var mark = new SKPaint { Color = SKColors.White, Style = SKPaintStyle.Fill };
            canvas.DrawRect(2, 2, size * 3 / 32f, size * 3 / 32f, mark);
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return (data.ToArray(), box);
    }

    private void DrawBackground(SKCanvas canvas, Random random)
    {
        var baseColour = new SKColor((byte)random.Next(20, 120), (byte)random.Next(20, 120), (byte)random.Next(20, 120));
        canvas.Clear(baseColour);
        using var paint = new SKPaint { IsAntialias = true, StrokeWidth = 1 + random.NextSingle() * 2 };
        for (var i = 0; i < 12; i++)
        {
            paint.Color = new SKColor((byte)random.Next(0, 160), (byte)random.Next(0, 160), (byte)random.Next(0, 160), (byte)random.Next(60, 160));
            paint.Style = i % 3 == 0 ? SKPaintStyle.Fill : SKPaintStyle.Stroke;
            var (x, y) = (random.NextSingle() * size, random.NextSingle() * size);
            if (i % 3 == 0) canvas.DrawOval(x, y, 2 + random.NextSingle() * size / 12, 2 + random.NextSingle() * size / 12, paint);
            else canvas.DrawLine(x, y, random.NextSingle() * size, random.NextSingle() * size, paint);
        }
    }

    private static SKColor BrightColour(Random random)
    {
        var hue = random.NextSingle() * 360;
        return SKColor.FromHsv(hue, 60 + random.NextSingle() * 40, 85 + random.NextSingle() * 15);
    }

    private static SKPath ShapePath(string label, float r)
    {
        var path = new SKPath();
        switch (label)
        {
            case "circle":
                path.AddCircle(0, 0, r);
                break;
            case "square":
                path.AddRect(new SKRect(-r * 0.85f, -r * 0.85f, r * 0.85f, r * 0.85f));
                break;
            case "triangle":
                path.AddPoly([new SKPoint(0, -r), new SKPoint(r * 0.87f, r * 0.5f), new SKPoint(-r * 0.87f, r * 0.5f)]);
                break;
            case "star":
                path.AddPoly(Enumerable.Range(0, 10).Select(i =>
                {
                    var radius = i % 2 == 0 ? r : r * 0.45f;
                    var angle = Math.PI * i / 5 - Math.PI / 2;
                    return new SKPoint((float)(radius * Math.Cos(angle)), (float)(radius * Math.Sin(angle)));
                }).ToArray());
                break;
            case "cross":
                var t = r * 0.3f;
                path.AddRect(new SKRect(-r, -t, r, t));
                path.AddRect(new SKRect(-t, -r, t, r));
                path.FillType = SKPathFillType.Winding;
                break;
            default:
                throw new ArgumentException($"unknown shape '{label}'");
        }
        return path;
    }
}
