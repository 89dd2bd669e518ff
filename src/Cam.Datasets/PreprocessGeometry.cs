namespace Cam.Datasets;

/// <summary>
/// Where a <see cref="PreprocessSpec"/> puts pixels, without touching them: the resized size, the crop's offset, and
/// a box carried through both — the same arithmetic as the tensor preprocessing, for code that has no tensors.
/// </summary>
public static class PreprocessGeometry
{
    /// <summary>torchvision's Resize(int): the shorter side becomes <paramref name="shorter"/>, the longer one keeps the ratio (truncated).</summary>
    public static (int Height, int Width) ResizedSize(int h, int w, int shorter) =>
        h <= w ? (shorter, (int)((long)shorter * w / h)) : ((int)((long)shorter * h / w), shorter);

    /// <summary>
    /// The input size the model sees for an image of <paramref name="image"/> pixels (height, width): the crop, else the
    /// resized image; without an image, the crop, else a square of the resize's side or of 224 — what a model probe uses.
    /// </summary>
    public static (int Height, int Width) InputSize(this PreprocessSpec spec, (int Height, int Width)? image = null)
    {
        if (spec.Crop is { } crop) return crop;
        if (image is { } size) return spec.ResizeShorter is { } shorter ? ResizedSize(size.Height, size.Width, shorter) : size;
        var side = spec.ResizeShorter ?? 224;
        return (side, side);
    }

    /// <summary>torchvision's CenterCrop offsets: round((size − crop) / 2).</summary>
    public static (int Top, int Left) CropOffset(int h, int w, int ch, int cw) =>
        ((int)Math.Round((h - ch) / 2.0, MidpointRounding.ToEven), (int)Math.Round((w - cw) / 2.0, MidpointRounding.ToEven));

    /// <summary>A box in original pixels → the same box in the preprocessed input, clipped to it.</summary>
    public static Box TransformBox(this PreprocessSpec spec, Box box, int width, int height)
    {
        var (h, w) = (height, width);
        var (sx, sy) = (1f, 1f);
        if (spec.ResizeShorter is { } shorter)
        {
            var (nh, nw) = ResizedSize(h, w, shorter);
            (sx, sy) = (nw / (float)w, nh / (float)h);
            (h, w) = (nh, nw);
        }
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
