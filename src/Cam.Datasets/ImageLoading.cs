namespace Cam.Datasets;

/// <summary>One item's image, or why it could not be had (stage <c>path</c> or <c>decode</c>).</summary>
public sealed record LoadedImage(int Index, DecodedImage? Image, string? Stage, string? Error)
{
    public bool Ok => Image is not null;
}

/// <summary>Resolves and decodes a batch of item paths in parallel; a bad item becomes an error, never an exception.</summary>
public sealed class ImageLoader(DataRoot dataRoot, ImageLimits? limits = null, int parallelism = 2)
{
    private readonly ImageLimits limits = limits ?? new ImageLimits();

    /// <summary>
    /// The pixel count of each image from its header alone, to plan batches (<see cref="PixelBoundedBatches"/>);
    /// 0 where it cannot be had: that item fails with its reason when it is loaded.
    /// </summary>
    public long[] Pixels(string datasetRoot, IReadOnlyList<string> paths, CancellationToken ct = default)
    {
        var pixels = new long[paths.Count];
        Parallel.For(0, paths.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, i =>
        {
            try
            {
                var (width, height) = ImageDecoder.ReadSize(dataRoot.Resolve(datasetRoot, paths[i]), limits);
                pixels[i] = (long)width * height;
            }
            catch (Exception e) when (e is UnsafePathException or ImageDecodeException or IOException or UnauthorizedAccessException)
            {
            }
        });
        return pixels;
    }

    /// <summary>
    /// The images at <paramref name="paths"/>, JPEGs reduced as <paramref name="reduce"/> allows
    /// (<see cref="FastDecoding"/>) and decoded for the part <paramref name="window"/> names alone
    /// (<see cref="NeededWindow"/>).
    /// </summary>
    public LoadedImage[] Load(string datasetRoot, IReadOnlyList<string> paths, CancellationToken ct = default,
        MinimumDecodeSize? reduce = null, NeededWindow? window = null)
    {
        var results = new LoadedImage[paths.Count];
        Parallel.For(0, paths.Count, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = ct }, i =>
        {
            string full;
            try
            {
                full = dataRoot.Resolve(datasetRoot, paths[i]);
            }
            catch (UnsafePathException e)
            {
                results[i] = new LoadedImage(i, null, "path", e.Message);
                return;
            }
            try
            {
                results[i] = new LoadedImage(i, ImageDecoder.Decode(full, limits, reduce, window), null, null);
            }
            catch (ImageDecodeException e)
            {
                results[i] = new LoadedImage(i, null, "decode", $"{e.Reason}: {e.Message.Replace(full, paths[i])}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                results[i] = new LoadedImage(i, null, "decode", $"Unreadable: {e.Message.Replace(full, paths[i])}");
            }
        });
        return results;
    }
}
