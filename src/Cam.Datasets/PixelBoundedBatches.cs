namespace Cam.Datasets;

/// <summary>
/// Consecutive items grouped into batches of at most <c>maxImages</c> images and at most <c>maxPixels</c> decoded
/// pixels, so that what a worker holds decoded (a batch and the next one, prefetched) is bounded by pixels and not
/// only by count. An image above the budget is a batch of its own; an item whose size is unknown (0) costs nothing.
/// </summary>
public static class PixelBoundedBatches
{
    public static IReadOnlyList<Range> Plan(IReadOnlyList<long> pixels, int maxImages, long maxPixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxImages, 1);
        var batches = new List<Range>();
        var (start, sum) = (0, 0L);
        for (var i = 0; i < pixels.Count; i++)
        {
            if (i > start && (i - start == maxImages || sum + pixels[i] > maxPixels))
            {
                batches.Add(start..i);
                (start, sum) = (i, 0);
            }
            sum += pixels[i];
        }
        if (pixels.Count > start) batches.Add(start..pixels.Count);
        return batches;
    }
}
