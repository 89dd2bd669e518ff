using SkiaSharp;

namespace Cam.Datasets.Tests;

/// <summary>Batches are cut by image count and by decoded pixels, so large photos are decoded a few at a time.</summary>
public class PixelBoundedBatchTests
{
    private static List<int[]> Plan(long[] pixels, int maxImages, long maxPixels) =>
        PixelBoundedBatches.Plan(pixels, maxImages, maxPixels)
            .Select(r => Enumerable.Range(r.Start.Value, r.End.Value - r.Start.Value).ToArray()).ToList();

    [Fact]
    public void Consecutive_items_fill_a_batch_up_to_the_image_count_or_the_pixel_budget()
    {
        Assert.Equal([[0, 1, 2], [3]], Plan([1, 1, 1, 1], maxImages: 3, maxPixels: 100));
        Assert.Equal([[0], [1, 2], [3], [4]], Plan([60, 50, 40, 200, 10], maxImages: 16, maxPixels: 100));
        Assert.Equal([[0, 1], [2, 3]], Plan([50, 50, 50, 50], maxImages: 16, maxPixels: 100));
        // Items whose size cannot be read (they fail when loaded) cost nothing.
        Assert.Equal([[0, 1, 2]], Plan([0, 0, 0], maxImages: 16, maxPixels: 1));
        Assert.Empty(Plan([], maxImages: 16, maxPixels: 1));
    }

    [Fact]
    public void Loaded_batches_hold_no_more_decoded_bytes_than_the_budget_allows()
    {
        using var root = new TempFolder();
        var paths = new List<string>();
        for (var i = 0; i < 6; i++) paths.Add(Path.GetFileName(root.Image($"photo{i}.png", 1000, 800, SKColors.Olive)));
        paths.Add(Path.GetFileName(root.Image("huge.png", 2000, 2000, SKColors.Olive)));
        paths.Add("missing.png");
        root.File("corrupt.png", "not an image");
        paths.Add("corrupt.png");
        const long budget = 2_000_000;
        var loader = new ImageLoader(new DataRoot(root.Path));

        var pixels = loader.Pixels("", paths);
        Assert.Equal([800_000L, 800_000, 800_000, 800_000, 800_000, 800_000, 4_000_000, 0, 0], pixels);
        var loaded = PixelBoundedBatches.Plan(pixels, maxImages: 16, budget).Select(r => loader.Load("", paths[r])).ToList();

        Assert.Equal(paths.Count, loaded.Sum(b => b.Length));
        foreach (var batch in loaded)
        {
            var bytes = batch.Where(i => i.Ok).Sum(i => (long)i.Image!.Rgb.Length);
            Assert.True(batch.Length == 1 || bytes <= budget * 3, $"a batch of {batch.Length} images holds {bytes} bytes");
        }
        Assert.Equal([2, 2, 2, 1, 2], loaded.Select(b => b.Length));
    }
}
