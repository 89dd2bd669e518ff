using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cam.Datasets;

namespace Cam.Engine.Preprocessing;

/// <summary>
/// Applies a <see cref="PreprocessSpec"/> to a batch of decoded images as torchvision's eval transform does to PIL
/// images: <c>Resize</c> (PIL's antialiased filters on bytes, <see cref="PillowResize"/>), <c>CenterCrop</c> (zero
/// padding where the crop is larger), <c>ToTensor</c> (bytes / 255), <c>Normalize</c>; with <c>antialias: false</c>,
/// PyTorch's interpolate on the float image instead (<see cref="AxisSampling"/>). Boxes follow with
/// <see cref="PreprocessGeometry.TransformBox"/>. Only the source pixels the crop needs are read, as bytes: an image is
/// never held as float32 at its own size, so a 50-megapixel photo costs what its model input does. The geometry is
/// planned on the image's full size (<see cref="DecodedImage.FullWidth"/>), so that a JPEG decoded at a reduced DCT
/// scale (<see cref="FastDecoding"/>) is resized onto the same output grid from fewer source pixels.
/// </summary>
public sealed class Preprocessor(PreprocessSpec spec, Device? device = null, long maxInputPixels = Preprocessor.DefaultMaxInputPixels)
{
    /// <summary>Largest model input per image (2048×2048): a package without resize feeds images at their own size.</summary>
    public const long DefaultMaxInputPixels = 2048L * 2048;

    private readonly Device device = device ?? CPU;

    /// <summary>Model input bytes computed ahead by <see cref="Prepare"/>, dropped when <see cref="Batch"/> uses them.</summary>
    private readonly ConditionalWeakTable<DecodedImage, byte[]> prepared = new();

    public PreprocessSpec Spec { get; } = spec;

    /// <summary>The (height, width) an image of <paramref name="width"/>×<paramref name="height"/> has as model input.</summary>
    public (int Height, int Width) InputSize(int width, int height) => Spec.Crop ?? Spec.Resized(height, width);

    /// <summary>Why <paramref name="image"/> cannot be preprocessed (too large an input), or null.</summary>
    public string? Problem(DecodedImage image)
    {
        var (ih, iw) = InputSize(image.FullWidth, image.FullHeight);
        if ((long)ih * iw > maxInputPixels)
            return $"a {image.FullWidth}×{image.FullHeight} image gives a {iw}×{ih} model input, above the limit of {maxInputPixels} pixels";
        return null;
    }

    /// <summary>(N, 3, H, W) float32; every image must come out the same size (use a crop for mixed sizes).</summary>
    public Tensor Batch(IReadOnlyList<DecodedImage> images)
    {
        if (images.Count == 0) throw new ArgumentException("an empty batch");
        foreach (var image in images)
            if (Problem(image) is { } problem) throw new ArgumentException(problem);
        var size = InputSize(images[0].FullWidth, images[0].FullHeight);
        if (images.Any(i => InputSize(i.FullWidth, i.FullHeight) != size))
            throw new ArgumentException("images of different sizes need a center crop to be batched");
        if (Spec.IsAntialiased) return Normalized(images, size);
        using var scope = NewDisposeScope();
        return torch.stack(images.Select(One).ToArray()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ToTensor and Normalize of the resized, cropped bytes, computed here in float32 as torchvision computes them:
    /// <c>x[n, c, y, x] = (b / 255 − mean_c) / std_c</c>, each operation rounded to float32 as in PyTorch. A byte has
    /// 256 values, so the formula is evaluated once per (channel, byte) into a table and the pixels look it up; they
    /// are written straight into one (N, 3, H, W) CPU tensor's memory (then moved to the device, if it is another).
    /// </summary>
    private Tensor Normalized(IReadOnlyList<DecodedImage> images, (int Height, int Width) size)
    {
        var plane = size.Height * size.Width;
        var table = NormalizationTable(Spec.MeanValues, Spec.StdValues);
        var batch = torch.empty([images.Count, 3, size.Height, size.Width], ScalarType.Float32, CPU);
        var values = MemoryMarshal.Cast<byte, float>(batch.bytes);
        for (var n = 0; n < images.Count; n++)
        {
            var bytes = Bytes(images[n]);
            prepared.Remove(images[n]);
            var red = values.Slice(n * 3 * plane, plane);
            var green = values.Slice((n * 3 + 1) * plane, plane);
            var blue = values.Slice((n * 3 + 2) * plane, plane);
            for (var p = 0; p < plane; p++)
            {
                red[p] = table[bytes[p * 3]];
                green[p] = table[256 + bytes[p * 3 + 1]];
                blue[p] = table[512 + bytes[p * 3 + 2]];
            }
        }
        if (device.type == DeviceType.CPU) return batch;
        using (batch) return batch.to(device);
    }

    /// <summary><c>table[256·c + b] = (b / 255 − mean_c) / std_c</c> in float32, for each value of a byte.</summary>
    private static float[] NormalizationTable(float[] mean, float[] std)
    {
        var table = new float[3 * 256];
        for (var c = 0; c < 3; c++)
            for (var b = 0; b < 256; b++)
                table[c * 256 + b] = (b / 255f - mean[c]) / std[c];
        return table;
    }

    /// <summary>
    /// The model input of one image as bytes (height, width, 3), before ToTensor: what torchvision's Resize and
    /// CenterCrop make of a PIL image. Only for antialiased preprocessing (the other path works on floats).
    /// </summary>
    public byte[] Bytes(DecodedImage image) => prepared.TryGetValue(image, out var bytes) ? bytes : Resample(image);

    /// <summary>
    /// Resizes and crops <paramref name="images"/> now (a worker calls it on the thread that prefetches the next batch,
    /// so that resampling overlaps the device's work on the current one); <see cref="Batch"/> then finds their bytes
    /// ready. Images that cannot be preprocessed are left for <see cref="Problem"/> to name.
    /// </summary>
    public void Prepare(IEnumerable<DecodedImage> images)
    {
        if (!Spec.IsAntialiased) return;
        // One image per thread (each resamples on its own thread): coarse pieces, no per-row scheduling.
        Parallel.ForEach(images.Where(i => Problem(i) is null), new ParallelOptions { MaxDegreeOfParallelism = 2 },
            image => prepared.AddOrUpdate(image, Resample(image)));
    }

    /// <summary>
    /// The part of a decoded raster of <paramref name="width"/>×<paramref name="height"/> (displayed at
    /// <paramref name="fullWidth"/>×<paramref name="fullHeight"/>) that <see cref="Bytes"/> reads: the source rows and
    /// columns under the crop's window of the resized image (<see cref="PillowResize.SourceSpan"/>); a decoder given
    /// it (<see cref="Cam.Datasets.NeededWindow"/>) decodes nothing else. Null without antialiasing (that path reads
    /// whole images) or when the crop keeps nothing of the image.
    /// </summary>
    public PixelWindow? WindowToDecode(int width, int height, int fullWidth, int fullHeight)
    {
        if (!Spec.IsAntialiased) return null;
        var (h, w) = Spec.Resized(fullHeight, fullWidth);
        var (ch, cw) = Spec.Crop ?? (h, w);
        var (top, left) = Spec.Crop is null ? (0, 0) : PreprocessGeometry.CropOffset(h, w, ch, cw);
        var (rows, columns) = (Inside(top, ch, h), Inside(left, cw, w));
        if (rows.Count <= 0 || columns.Count <= 0) return null;
        var (y0, y1) = PillowResize.SourceSpan(height, h, rows, Spec.Filter);
        var (x0, x1) = PillowResize.SourceSpan(width, w, columns, Spec.Filter);
        return new PixelWindow(x0, y0, x1 - x0, y1 - y0);
    }

    private byte[] Resample(DecodedImage image)
    {
        if (!Spec.IsAntialiased) throw new InvalidOperationException("preprocessing without antialiasing works on floats");
        var (h, w) = Spec.Resized(image.FullHeight, image.FullWidth);
        var (ch, cw) = Spec.Crop ?? (h, w);
        var (top, left) = Spec.Crop is null ? (0, 0) : PreprocessGeometry.CropOffset(h, w, ch, cw);
        var (rows, columns) = (Inside(top, ch, h), Inside(left, cw, w));
        var window = PillowResize.Window(image, h, w, rows, columns, Spec.Filter);
        if (rows.Count == ch && columns.Count == cw) return window;
        // The crop is larger than the image along some axis: zero padding around the window.
        var padded = new byte[ch * cw * 3];
        for (var r = 0; r < rows.Count; r++)
            Array.Copy(window, r * columns.Count * 3, padded, ((rows.Start - top + r) * cw + columns.Start - left) * 3, columns.Count * 3);
        return padded;
    }

    /// <summary>One image without antialiasing: PyTorch's interpolate on the float image, then Normalize, (3, H, W).</summary>
    private Tensor One(DecodedImage image)
    {
        using var scope = NewDisposeScope();
        var x = Interpolated(image);
        var mean = torch.tensor(Spec.MeanValues, device: device).reshape(3, 1, 1);
        var std = torch.tensor(Spec.StdValues, device: device).reshape(3, 1, 1);
        return ((x.permute(2, 0, 1) - mean) / std).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>PyTorch's interpolate (no antialiasing) of the float image, cropped, zero-padded: (H, W, 3) in [0, 1].</summary>
    private Tensor Interpolated(DecodedImage image)
    {
        var (h, w) = Spec.Resized(image.FullHeight, image.FullWidth);
        var (ch, cw) = Spec.Crop ?? (h, w);
        var (top, left) = Spec.Crop is null ? (0, 0) : PreprocessGeometry.CropOffset(h, w, ch, cw);
        var (rowWindow, columnWindow) = (Inside(top, ch, h), Inside(left, cw, w));
        var rows = AxisSampling.For(Spec.Filter, image.Height, h, rowWindow.Start, rowWindow.Count);
        var columns = AxisSampling.For(Spec.Filter, image.Width, w, columnWindow.Start, columnWindow.Count);
        Tensor? x = null;
        for (var r = 0; r < rows.Indices.Length; r++)
        {
            // ATen's separable sum: Σ_r h_r·(Σ_c w_c·x[r, c]).
            Tensor? line = null;
            for (var c = 0; c < columns.Indices.Length; c++)
            {
                var term = Pixels(image, rows.Indices[r], columns.Indices[c]);
                if (!columns.IsIdentity) term = term * Weights(columns.Weights[c]).reshape(1, -1, 1);
                line = line is null ? term : line + term;
            }
            var weighted = rows.IsIdentity ? line! : line! * Weights(rows.Weights[r]).reshape(-1, 1, 1);
            x = x is null ? weighted : x + weighted;
        }
        if (rowWindow.Count == ch && columnWindow.Count == cw) return x!;
        var (padTop, padLeft) = (rowWindow.Start - top, columnWindow.Start - left);
        return torch.nn.functional.pad(x!.permute(2, 0, 1),
            [padLeft, cw - columnWindow.Count - padLeft, padTop, ch - rowWindow.Count - padTop]).permute(1, 2, 0);
    }

    /// <summary>The part of [offset, offset + length) inside [0, size).</summary>
    private static (int Start, int Count) Inside(int offset, int length, int size)
    {
        var start = Math.Max(offset, 0);
        return (start, Math.Min(offset + length, size) - start);
    }

    private Tensor Weights(float[] weights) => torch.tensor(weights, device: device);

    /// <summary>The pixels at the given rows and columns, (rows, columns, 3) float32 in [0, 1]; only these bytes are copied.</summary>
    private Tensor Pixels(DecodedImage image, int[] rows, int[] columns) =>
        torch.tensor(PillowResize.Gather(image, rows, columns), [rows.Length, columns.Length, 3], device: device)
            .to(ScalarType.Float32).div_(255f);
}
