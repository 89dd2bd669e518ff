using Cam.Contracts;

namespace Cam.Engine.Metrics;

/// <summary>A deletion or insertion curve: class scores at 0..steps fractions of pixels changed, and the area under it.</summary>
public sealed record PixelCurve(float[] Scores, float Area);

/// <summary>
/// Deletion and insertion (Petsiuk et al., 2018): pixels are removed from the input (replaced by the baseline), or
/// added to the baseline, in decreasing order of the upsampled map, in <c>steps</c> equal parts; the class score is
/// recorded after each part. The area is the trapezoidal mean over [0, 1]. A good map makes deletion fall fast
/// (small area) and insertion rise fast (large area). Step inputs are built and scored in chunks.
/// </summary>
public static class PixelCurves
{
    /// <param name="input">One image, (C, H, W).</param>
    /// <param name="map">Its map, (h, w).</param>
    /// <param name="baseline">What removed pixels become: zeros when null (for normalised inputs, the dataset mean).</param>
    public static (PixelCurve Deletion, PixelCurve Insertion) Compute(
        Func<Tensor, Tensor> score, Tensor input, Tensor map, long classIndex, int steps = MetricSteps.Default, int chunkSize = 16,
            Tensor? baseline = null)
    {
        if (steps < 1) throw new ArgumentException("at least one step is needed");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var (height, width) = (input.shape[1], input.shape[2]);
        var pixels = height * width;
        var up = ConfidenceMetrics.Upsample(map.unsqueeze(0), input.unsqueeze(0)).reshape(pixels);
        // Rank of each pixel in decreasing map order (stable, so ties keep raster order).
        var order = up.sort(0, descending: true, stable: true).Indices;
        var rank = torch.empty_like(order);
        rank.index_put_(torch.arange(pixels, device: order.device), order);
        var background = baseline ?? torch.zeros_like(input);

        var deletion = new float[steps + 1];
        var insertion = new float[steps + 1];
        for (var start = 0; start <= steps; start += chunkSize)
        {
            var count = Math.Min(chunkSize, steps + 1 - start);
            using var chunkScope = NewDisposeScope();
            // Pixels changed at step s: those with rank < round(s·P/steps).
            var thresholds = torch.tensor(Enumerable.Range(start, count).Select(s => (long)Math.Round(s * (double)pixels / steps)).ToArray(),
                device: input.device);
            var changed = (rank.unsqueeze(0) < thresholds.unsqueeze(1)).reshape(count, 1, height, width).to(input.dtype);
            var deleted = input.unsqueeze(0) * (1 - changed) + background.unsqueeze(0) * changed;
            var inserted = background.unsqueeze(0) * (1 - changed) + input.unsqueeze(0) * changed;
            var scores = score(torch.cat([deleted, inserted], 0))[.., classIndex];
            var values = ConfidenceMetrics.Floats(scores);
            Array.Copy(values, 0, deletion, start, count);
            Array.Copy(values, count, insertion, start, count);
        }
        return (new PixelCurve(deletion, Area(deletion)), new PixelCurve(insertion, Area(insertion)));
    }

    /// <summary>Trapezoidal area over [0, 1] of values at equally spaced points.</summary>
    internal static float Area(float[] values)
    {
        if (values.Length == 1) return values[0];
        var sum = 0.0;
        for (var i = 1; i < values.Length; i++) sum += (values[i - 1] + values[i]) / 2.0;
        return (float)(sum / (values.Length - 1));
    }
}
