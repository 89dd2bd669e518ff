using Cam.Contracts;
using Cam.Tests.Shared;
using Cam.Worker;
using Microsoft.Extensions.DependencyInjection;
using SkiaSharp;
using Xunit.Abstractions;

namespace Cam.Jobs.Tests;

/// <summary>What a worker holds while it explains large photos: bounded by the batch's pixel budget, not by the image count.</summary>
[Collection(PeakMemoryCollection.Name)]
public class ShardMemoryTests(ITestOutputHelper log)
{
    private const int Photos = 12;
    private const int Width = 1200;
    private const int Height = 1000;

    [Fact]
    public async Task A_shard_of_large_photos_is_decoded_and_explained_a_few_at_a_time()
    {
        using var workspace = new DemoWorkspace(images: 1, withBadItems: false);
        var manifest = new System.Text.StringBuilder("path,label,x0,y0,x1,y1\n");
        using (var bitmap = new SKBitmap(Width, Height))
        {
            bitmap.Erase(SKColors.DarkCyan);
            using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
            for (var i = 0; i < Photos; i++)
            {
                File.WriteAllBytes(Path.Combine(workspace.DataRoot, "shapes", "images", $"photo{i}.png"), png.ToArray());
                manifest.Append($"images/photo{i}.png,circle,,,,\n");
            }
        }
        File.WriteAllText(Path.Combine(workspace.DataRoot, "shapes", "manifest.csv"), manifest.ToString());

        // One photo's pixels per batch, then all twelve in one batch (the count limit alone, as before).
        var bounded = await PeakRiseAsync(workspace, Width * Height, "bounded.db");
        var unbounded = await PeakRiseAsync(workspace, long.MaxValue, "unbounded.db");
        log.WriteLine($"peak resident memory rise: {bounded / 1e6:F0} MB with one photo per batch, {unbounded / 1e6:F0} MB with {Photos} per batch");
        Assert.True(bounded * 3 < unbounded, $"bounded {bounded / 1e6:F0} MB, unbounded {unbounded / 1e6:F0} MB");
    }

    private static async Task<long> PeakRiseAsync(DemoWorkspace workspace, long batchPixels, string database)
    {
        var (services, _, shard) =
            await ShardProcessorTests.SetUpAsync(workspace, s => s with { BatchSize = 16, MaxBatchPixels = batchPixels }, database);
        await using var _ = services;
        var processor = services.GetRequiredService<ShardProcessor>();
        shard = shard with { Methods = [new MethodSpec("cam")] };
        await processor.ProcessAsync(shard with { Items = shard.Items.Take(1).ToList() }, CancellationToken.None); // model loaded, libtorch warmed up
        ShardCompleted? outcome = null;
        var rise = await PeakMemory.RiseDuringAsync(async () => outcome = await processor.ProcessAsync(shard, CancellationToken.None));
        Assert.Equal((Photos, 0), (outcome!.Succeeded, outcome.Failed));
        return rise;
    }
}
