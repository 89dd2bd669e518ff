using Cam.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Preprocessing;

/// <summary>
/// Applies a <see cref="PreprocessSpec"/> with TorchSharp, on a device, to a batch of decoded images (boxes follow with
/// <see cref="PreprocessGeometry.TransformBox"/>). Resizing and cropping read only the source pixels the output needs,
/// as bytes: an image is never held as float32 at its own size, so a 50-megapixel photo costs what its model input does.
/// </summary>
public sealed class Preprocessor(PreprocessSpec spec, Device? device = null, long maxInputPixels = Preprocessor.DefaultMaxInputPixels)
{
    /// <summary>Largest model input per image (2048×2048): a package without resize feeds images at their own size.</summary>
    public const long DefaultMaxInputPixels = 2048L * 2048;

    private readonly Device device = device ?? CPU;

    public PreprocessSpec Spec { get; } = spec;

    /// <summary>The (height, width) an image of <paramref name="width"/>×<paramref name="height"/> has as model input.</summary>
    public (int Height, int Width) InputSize(int width, int height)
    {
        var (h, w) = Spec.ResizeShorter is { } shorter ? PreprocessGeometry.ResizedSize(height, width, shorter) : (height, width);
        return Spec.Crop ?? (h, w);
    }

    /// <summary>Why <paramref name="image"/> cannot be preprocessed (smaller than the crop, too large an input), or null.</summary>
    public string? Problem(DecodedImage image)
    {
        var (h, w) = Spec.ResizeShorter is { } shorter ? PreprocessGeometry.ResizedSize(image.Height, image.Width, shorter) : (image.Height, image.Width);
        if (Spec.Crop is var (ch, cw) && (ch > h || cw > w))
            return $"a {image.Width}×{image.Height} image is {w}×{h} after resizing, smaller than the {cw}×{ch} crop";
        var (ih, iw) = InputSize(image.Width, image.Height);
        if ((long)ih * iw > maxInputPixels)
            return $"a {image.Width}×{image.Height} image gives a {iw}×{ih} model input, above the limit of {maxInputPixels} pixels";
        return null;
    }

    /// <summary>(N, 3, H, W) float32; every image must come out the same size (use a crop for mixed sizes).</summary>
    public Tensor Batch(IReadOnlyList<DecodedImage> images)
    {
        if (images.Count == 0) throw new ArgumentException("an empty batch");
        foreach (var image in images)
            if (Problem(image) is { } problem) throw new ArgumentException(problem);
        var size = InputSize(images[0].Width, images[0].Height);
        if (images.Any(i => InputSize(i.Width, i.Height) != size))
            throw new ArgumentException("images of different sizes need a center crop to be batched");
        using var scope = NewDisposeScope();
        return torch.stack(images.Select(One).ToArray()).MoveToOuterDisposeScope();
    }

    private Tensor One(DecodedImage image)
    {
        using var scope = NewDisposeScope();
        var (h, w) = Spec.ResizeShorter is { } shorter ? PreprocessGeometry.ResizedSize(image.Height, image.Width, shorter) : (image.Height, image.Width);
        var (top, left, ch, cw) = (0, 0, h, w);
        if (Spec.Crop is var (cropH, cropW))
        {
            (top, left) = PreprocessGeometry.CropOffset(h, w, cropH, cropW);
            (ch, cw) = (cropH, cropW);
        }
        var rows = AxisSampling.For(image.Height, h, top, ch);
        var columns = AxisSampling.For(image.Width, w, left, cw);
        Tensor x;
        if (rows.IsIdentity && columns.IsIdentity)
        {
            x = Pixels(image, rows.I0, columns.I0);
        }
        else
        {
            // ATen's bilinear sum: h0·(w0·x00 + w1·x01) + h1·(w0·x10 + w1·x11).
            var (w0, w1) = (Weights(columns.W0).reshape(1, -1, 1), Weights(columns.W1).reshape(1, -1, 1));
            var (h0, h1) = (Weights(rows.W0).reshape(-1, 1, 1), Weights(rows.W1).reshape(-1, 1, 1));
            var upper = Pixels(image, rows.I0, columns.I0) * w0 + Pixels(image, rows.I0, columns.I1) * w1;
            var lower = Pixels(image, rows.I1, columns.I0) * w0 + Pixels(image, rows.I1, columns.I1) * w1;
            x = upper * h0 + lower * h1;
        }
        var mean = torch.tensor(Spec.Mean, device: device).reshape(3, 1, 1);
        var std = torch.tensor(Spec.Std, device: device).reshape(3, 1, 1);
        return ((x.permute(2, 0, 1) - mean) / std).contiguous().MoveToOuterDisposeScope();
    }

    private Tensor Weights(float[] weights) => torch.tensor(weights, device: device);

    /// <summary>The pixels at the given rows and columns, (rows, columns, 3) float32 in [0, 1]; only these bytes are copied.</summary>
    private Tensor Pixels(DecodedImage image, int[] rows, int[] columns)
    {
        var bytes = new byte[rows.Length * columns.Length * 3];
        var stride = image.Width * 3;
        for (var r = 0; r < rows.Length; r++)
        {
            var source = rows[r] * stride;
            var target = r * columns.Length * 3;
            for (var c = 0; c < columns.Length; c++)
            {
                var s = source + columns[c] * 3;
                bytes[target++] = image.Rgb[s];
                bytes[target++] = image.Rgb[s + 1];
                bytes[target++] = image.Rgb[s + 2];
            }
        }
        return torch.tensor(bytes, [rows.Length, columns.Length, 3], device: device).to(ScalarType.Float32).div_(255f);
    }
}
