namespace Cam.Engine.Metrics;

/// <summary>A box in input pixels (after preprocessing): [X0, X1) × [Y0, Y1).</summary>
public readonly record struct PixelBox(float X0, float Y0, float X1, float Y1)
{
    public bool Contains(float x, float y) => x >= X0 && x < X1 && y >= Y0 && y < Y1;
}

/// <summary>How well one map localises the object: does its peak hit a box, and what share of its energy lies in the boxes.</summary>
public readonly record struct LocalisationScore(bool PointingHit, float EnergyInBox, int PeakX, int PeakY);

/// <summary>
/// Pointing game (Zhang et al., 2016: the map's maximum, upsampled to the input, falls inside a ground-truth box) and
/// the share of the map's energy (sum of its non-negative values, upsampled) inside the boxes.
/// </summary>
public static class Localisation
{
    /// <param name="map">(h, w) map of one image.</param>
    /// <param name="inputHeight">Height of the input the boxes are expressed in.</param>
    public static LocalisationScore Score(Tensor map, long inputHeight, long inputWidth, IReadOnlyList<PixelBox> boxes)
    {
        using var scope = NewDisposeScope();
        var up = nn.functional.interpolate(map.masked_fill(map.isnan(), 0).reshape(1, 1, map.shape[0], map.shape[1]).to(ScalarType.Float32),
            [inputHeight, inputWidth], mode: InterpolationMode.Bilinear, align_corners: false).reshape(inputHeight, inputWidth).cpu();
        var peak = up.argmax().item<long>();
        var (peakY, peakX) = ((int)(peak / inputWidth), (int)(peak % inputWidth));
        var hit = boxes.Any(b => b.Contains(peakX + 0.5f, peakY + 0.5f));
        var positive = up.clamp_min(0);
        var total = positive.sum().item<float>();
        var inside = torch.zeros_like(positive, dtype: ScalarType.Bool);
        foreach (var b in boxes)
        {
            var (x0, y0) = ((long)Math.Clamp(Math.Ceiling(b.X0 - 0.5), 0, inputWidth), (long)Math.Clamp(Math.Ceiling(b.Y0 - 0.5), 0, inputHeight));
            var (x1, y1) = ((long)Math.Clamp(Math.Ceiling(b.X1 - 0.5), 0, inputWidth), (long)Math.Clamp(Math.Ceiling(b.Y1 - 0.5), 0, inputHeight));
            if (x1 > x0 && y1 > y0) inside[TensorIndex.Slice(y0, y1), TensorIndex.Slice(x0, x1)] = torch.tensor(true);
        }
        var energy = total > 0 ? positive.masked_select(inside).sum().item<float>() / total : 0f;
        return new LocalisationScore(hit, energy, peakX, peakY);
    }
}
