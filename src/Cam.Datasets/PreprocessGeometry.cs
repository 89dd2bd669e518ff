namespace Cam.Datasets;

/// <summary>
/// Where a <see cref="PreprocessSpec"/> puts pixels, without touching them: the resized size, the crop's offset, and
/// a box carried through both — the same arithmetic as the tensor preprocessing, for code that has no tensors.
/// </summary>
public static class PreprocessGeometry
{
    /// <summary>torchvision's Resize(int): the shorter side becomes <paramref name="shorter"/>, the longer one keeps the ratio (truncated).</summary>
    public static (int Height, int Width) ResizedSize(int h, int w, int shorter) => ResizedSize(h, w, shorter, null);

    /// <summary>
    /// torchvision's <c>_compute_resized_output_size</c>: shorter side → <paramref name="shorter"/>, longer side
    /// <c>int(shorter · long / short)</c>; with <paramref name="maxSize"/>, a longer side above it becomes maxSize and
    /// the shorter one <c>int(maxSize · shorter / long)</c>.
    /// </summary>
    public static (int Height, int Width) ResizedSize(int h, int w, int shorter, int? maxSize)
    {
        var (shortSide, longSide) = w <= h ? (w, h) : (h, w);
        var (newShort, newLong) = (shorter, (int)((long)shorter * longSide / shortSide));
        if (maxSize is { } max && newLong > max) (newShort, newLong) = ((int)((long)max * newShort / newLong), max);
        return w <= h ? (newLong, newShort) : (newShort, newLong);
    }

    /// <summary>The (height, width) an image of (<paramref name="h"/>, <paramref name="w"/>) has after the resize.</summary>
    public static (int Height, int Width) Resized(this PreprocessSpec spec, int h, int w) =>
        spec.FixedSize ?? (spec.ShorterSide is { } shorter ? ResizedSize(h, w, shorter, spec.MaxSize) : (h, w));

    /// <summary>
    /// The input size the model sees for an image of <paramref name="image"/> pixels (height, width): the crop, else the
    /// resized image; without an image, the crop, else a square of the resize's side or of 224 — what a model probe uses.
    /// </summary>
    public static (int Height, int Width) InputSize(this PreprocessSpec spec, (int Height, int Width)? image = null)
    {
        if (spec.Crop is { } crop) return crop;
        if (image is { } size) return spec.Resized(size.Height, size.Width);
        if (spec.FixedSize is { } fixedSize) return fixedSize;
        var side = spec.ShorterSide ?? 224;
        return (side, side);
    }

    /// <summary>
    /// torchvision's CenterCrop offsets, per axis: round((size − crop) / 2) (half to even), or, where the crop is
    /// larger, −⌊(crop − size) / 2⌋: the image is padded with zeros on both sides first.
    /// </summary>
    public static (int Top, int Left) CropOffset(int h, int w, int ch, int cw) => (AxisOffset(h, ch), AxisOffset(w, cw));

    private static int AxisOffset(int size, int crop) =>
        crop > size ? -((crop - size) / 2) : (int)Math.Round((size - crop) / 2.0, MidpointRounding.ToEven);

    /// <summary>A box in original pixels → the same box in the preprocessed input, clipped to it.</summary>
    public static Box TransformBox(this PreprocessSpec spec, Box box, int width, int height)
    {
        var (h, w) = spec.Resized(height, width);
        var (sx, sy) = (w / (float)width, h / (float)height);
        var (top, left, ch, cw) = (0, 0, h, w);
        if (spec.Crop is var (cropH, cropW))
        {
            (top, left) = CropOffset(h, w, cropH, cropW);
            (ch, cw) = (cropH, cropW);
        }
        return new Box(
            Math.Clamp(box.X0 * sx - left, 0, cw), Math.Clamp(box.Y0 * sy - top, 0, ch),
            Math.Clamp(box.X1 * sx - left, 0, cw), Math.Clamp(box.Y1 * sy - top, 0, ch));
    }
}
