using Cam.Datasets;
using SkiaSharp;

namespace Cam.Audit;

/// <summary>
/// Draws a map over its image as the model saw it (the package's resize and center crop), like torchcam's
/// <c>overlay_mask</c>: the map upsampled bilinearly, coloured with jet, blended with the image, encoded as PNG.
/// </summary>
public static class OverlayRenderer
{
    /// <summary>Weight of the image in the blend (torchcam's default is 0.7; a little less keeps small maps readable).</summary>
    public const float ImageWeight = 0.6f;

    public static byte[] Render(DecodedImage image, PreprocessSpec preprocess, float[] map, int mapHeight, int mapWidth)
    {
        using var view = ModelView(image, preprocess);
        var (h, w) = (view.Height, view.Width);
        var heat = Colormap.MinMax(Upsample(map, mapHeight, mapWidth, h, w));
        var pixels = view.Bytes; // RGBA, row-major
        for (var i = 0; i < heat.Length; i++)
        {
            var (r, g, b) = Colormap.Jet(heat[i]);
            pixels[i * 4] = Blend(pixels[i * 4], r);
            pixels[i * 4 + 1] = Blend(pixels[i * 4 + 1], g);
            pixels[i * 4 + 2] = Blend(pixels[i * 4 + 2], b);
            pixels[i * 4 + 3] = 255;
        }
        return Encode(FromRgba(pixels, w, h));
    }

    /// <summary>A map alone, coloured, enlarged to <paramref name="size"/> pixels square (for the mean map per class).</summary>
    public static byte[] RenderMap(float[] map, int mapHeight, int mapWidth, int size = 128)
    {
        var heat = Colormap.MinMax(Upsample(map, mapHeight, mapWidth, size, size));
        var pixels = new byte[size * size * 4];
        for (var i = 0; i < heat.Length; i++)
        {
            var (r, g, b) = Colormap.Jet(heat[i]);
            (pixels[i * 4], pixels[i * 4 + 1], pixels[i * 4 + 2], pixels[i * 4 + 3]) = (r, g, b, 255);
        }
        return Encode(FromRgba(pixels, size, size));
    }

    /// <summary>The image resized (shorter side) and center-cropped as the package's preprocessing does.</summary>
    public static SKBitmap ModelView(DecodedImage image, PreprocessSpec preprocess)
    {
        var rgba = new byte[image.Width * image.Height * 4];
        for (int i = 0, j = 0; i < rgba.Length; i += 4, j += 3)
            (rgba[i], rgba[i + 1], rgba[i + 2], rgba[i + 3]) = (image.Rgb[j], image.Rgb[j + 1], image.Rgb[j + 2], 255);
        var bitmap = FromRgba(rgba, image.Width, image.Height);
        var (h, w) = preprocess.Resized(image.Height, image.Width);
        if ((h, w) != (image.Height, image.Width))
        {
            var resized = bitmap.Resize(new SKImageInfo(w, h, SKColorType.Rgba8888, SKAlphaType.Opaque), SKFilterQuality.Medium);
            bitmap.Dispose();
            bitmap = resized;
        }
        if (preprocess.Crop is var (ch, cw))
        {
            var (top, left) = PreprocessGeometry.CropOffset(h, w, ch, cw);
            var cropped = new SKBitmap(new SKImageInfo(cw, ch, SKColorType.Rgba8888, SKAlphaType.Opaque));
            using (var canvas = new SKCanvas(cropped))
            {
                canvas.Clear(SKColors.Black); // torchvision pads a crop larger than the image with zeros
                canvas.DrawBitmap(bitmap, -left, -top);
            }
            bitmap.Dispose();
            bitmap = cropped;
        }
        return bitmap;
    }

    /// <summary>Bilinear upsampling with half-pixel centres (PyTorch's <c>align_corners=False</c>).</summary>
    public static float[] Upsample(float[] map, int h, int w, int outH, int outW)
    {
        var result = new float[outH * outW];
        for (var y = 0; y < outH; y++)
        {
            var sy = Math.Clamp((y + 0.5f) * h / outH - 0.5f, 0, h - 1);
            var y0 = (int)sy;
            var y1 = Math.Min(y0 + 1, h - 1);
            var fy = sy - y0;
            for (var x = 0; x < outW; x++)
            {
                var sx = Math.Clamp((x + 0.5f) * w / outW - 0.5f, 0, w - 1);
                var x0 = (int)sx;
                var x1 = Math.Min(x0 + 1, w - 1);
                var fx = sx - x0;
                var top = map[y0 * w + x0] * (1 - fx) + map[y0 * w + x1] * fx;
                var bottom = map[y1 * w + x0] * (1 - fx) + map[y1 * w + x1] * fx;
                result[y * outW + x] = top * (1 - fy) + bottom * fy;
            }
        }
        return result;
    }

    /// <summary>An RGBA bitmap holding a copy of <paramref name="rgba"/>.</summary>
    private static SKBitmap FromRgba(byte[] rgba, int width, int height)
    {
        var bitmap = new SKBitmap(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque));
        System.Runtime.InteropServices.Marshal.Copy(rgba, 0, bitmap.GetPixels(), rgba.Length);
        return bitmap;
    }

    private static byte Blend(byte image, byte heat) => (byte)Math.Round(ImageWeight * image + (1 - ImageWeight) * heat);

    private static byte[] Encode(SKBitmap bitmap)
    {
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }
}
