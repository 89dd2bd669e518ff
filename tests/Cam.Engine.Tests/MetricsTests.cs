using Cam.Engine.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

public class MetricsTests
{
    /// <summary>The score of a batch is the sum of its pixels, one "class".</summary>
    private static Tensor PixelSum(Tensor x) => x.sum([1L, 2L, 3L]).unsqueeze(1);

    [Fact]
    public void Average_drop_matches_the_reference_example()
    {
        using var input = torch.tensor(new[] { .4f, .3f, .2f, .1f }).reshape(1, 1, 2, 2);
        using var map = torch.tensor(new[] { 1f, 0f, 0f, 0f }).reshape(1, 2, 2);
        var result = ConfidenceMetrics.Compute(PixelSum, input, map, [0]).Single();
        Assert.Equal(0.6 / (1 + 1e-7), result.Drop, 5);
        Assert.False(result.Increase);
        Assert.Equal(1.0, result.Score, 5);
        Assert.Equal(0.4, result.MaskedScore, 5);
    }

    [Fact]
    public void Increase_in_confidence_counts_masked_scores_above_the_original()
    {
        using var input = torch.tensor(new[] { .4f, .3f, .2f, .1f }).reshape(1, 1, 2, 2);
        using var map = torch.tensor(new[] { 1f, 0f, 0f, 0f }).reshape(1, 2, 2);
        var result = ConfidenceMetrics.Compute(x => -PixelSum(x), input, map, [0]).Single();
        Assert.True(result.Increase);
        Assert.Equal(0f, result.Drop);
    }

    [Fact]
    public void Deletion_removes_the_highest_map_pixels_first_and_insertion_adds_them()
    {
        var values = Enumerable.Range(1, 16).Select(v => (float)v).ToArray();
        using var input = torch.tensor(values).reshape(1, 4, 4);
        using var map = torch.tensor(values).reshape(4, 4);
        var (deletion, insertion) = PixelCurves.Compute(PixelSum, input, map, 0, steps: 4, chunkSize: 2);

        // Independent computation: removing the 4·s largest values.
        var sorted = values.OrderByDescending(v => v).ToArray();
        var total = values.Sum();
        var expectedDeletion = Enumerable.Range(0, 5).Select(s => total - sorted.Take(4 * s).Sum()).ToArray();
        var expectedInsertion = Enumerable.Range(0, 5).Select(s => sorted.Take(4 * s).Sum()).ToArray();
        Assert.Equal(expectedDeletion, deletion.Scores);
        Assert.Equal(expectedInsertion, insertion.Scores);
        Assert.Equal(48f, deletion.Area, 4);
        Assert.Equal((0 + 58 + 58 + 100 + 100 + 126 + 126 + 136) / 8f, insertion.Area, 4);
    }

    [Fact]
    public void Pointing_game_and_energy_use_the_boxes()
    {
        using var map = torch.tensor(new float[] { 0, 1, 0, 0, 3, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1 }).reshape(4, 4);
        var hit = Localisation.Score(map, 4, 4, [new PixelBox(0, 0, 2, 2)]);
        Assert.True(hit.PointingHit);
        Assert.Equal((1, 1), (hit.PeakX, hit.PeakY));
        Assert.Equal(8f / 10f, hit.EnergyInBox, 5);
        var miss = Localisation.Score(map, 4, 4, [new PixelBox(2, 2, 4, 4)]);
        Assert.False(miss.PointingHit);
        Assert.Equal(2f / 10f, miss.EnergyInBox, 5);
    }
}
