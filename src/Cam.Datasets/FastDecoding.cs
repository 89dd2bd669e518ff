namespace Cam.Datasets;

/// <summary>
/// <c>"fastDecode": true</c>: JPEGs much larger than the resize are decoded at a reduced DCT scale (libjpeg-turbo's
/// scaled IDCT, 1/8 … 7/8), then resized as usual. The geometry (resized size, crop, boxes) stays that of the full
/// image; the pixels differ from PIL's (measured in README's preprocessing section).
/// </summary>
public static class FastDecoding
{
    /// <summary>How much larger than the resized image the reduced decode stays, per side: the resize still averages ≥ 2 pixels.</summary>
    public const int Margin = 2;

    /// <summary>
    /// The smallest decode an image of (width, height) may get: <see cref="Margin"/> × the resized size, per side;
    /// null when the spec does not ask for fast decoding or has no resize (the image is used at its own size).
    /// </summary>
    public static MinimumDecodeSize? DecodeReduction(this PreprocessSpec spec) =>
        spec.DecodeReduction(byDefault: false);

    /// <summary>
    /// As <see cref="DecodeReduction(PreprocessSpec)"/>, where a spec that does not set <c>fastDecode</c> takes
    /// <paramref name="byDefault"/> (a worker's <c>CAM_WORKER_FAST_DECODE</c>); a spec's own true or false wins.
    /// </summary>
    public static MinimumDecodeSize? DecodeReduction(this PreprocessSpec spec, bool byDefault)
    {
        if (spec.FastDecode is null && byDefault) spec = spec with { FastDecode = true };
        if (!spec.UsesFastDecode || (spec.ShorterSide is null && spec.FixedSize is null)) return null;
        return (width, height) =>
        {
            var (h, w) = spec.Resized(height, width);
            return (Margin * w, Margin * h);
        };
    }
}
