namespace Cam.Audit.Tests;

public class ShortcutFinderTests
{
    private const int Size = 8;

    /// <summary>A map with a blob at (y, x) and, when <paramref name="mark"/>, a second one in the top-left cell.</summary>
    private static float[] Map(int y, int x, bool mark)
    {
        var map = new float[Size * Size];
        for (var i = 0; i < Size; i++)
            for (var j = 0; j < Size; j++)
            {
                map[i * Size + j] = MathF.Exp(-((i - y) * (i - y) + (j - x) * (j - x)) / 2f);
                if (mark) map[i * Size + j] += 0.9f * MathF.Exp(-(i * i + j * j) / 1f);
            }
        return map;
    }

    private static ClassMapAccumulator Maps(int markedClass, double markRate)
    {
        var random = new Random(3);
        var maps = new ClassMapAccumulator();
        for (var n = 0; n < 300; n++)
        {
            var cls = n % 5;
            var (y, x) = (random.Next(2, 6), random.Next(2, 6));
            var map = Map(y, x, cls == markedClass && random.NextDouble() < markRate);
            var peak = Array.IndexOf(map, map.Max());
            maps.Add(cls, map, Size, Size, peak / Size, peak % Size);
        }
        return maps;
    }

    private static readonly string[] Labels = ["circle", "cross", "square", "star", "triangle"];

    [Fact]
    public void A_class_whose_maps_keep_a_corner_hot_is_named_with_that_corner()
    {
        var findings = ShortcutFinder.Find("cam", Maps(markedClass: 3, markRate: 0.9), Labels, new Dictionary<int, double?>());

        var suspicious = Assert.Single(findings, f => f.Suspicious);
        Assert.Equal("star", suspicious.Label);
        Assert.Equal("top-left corner", suspicious.Region);
        Assert.True(suspicious.OnBorder);
        Assert.True(suspicious.Lift > 2, $"lift {suspicious.Lift}");
        Assert.Equal(5, findings.Count);
    }

    [Fact]
    public void Classes_whose_maps_follow_objects_at_random_places_are_not_suspicious()
    {
        var findings = ShortcutFinder.Find("cam", Maps(markedClass: -1, markRate: 0), Labels, new Dictionary<int, double?>());

        Assert.Equal(5, findings.Count);
        Assert.DoesNotContain(findings, f => f.Suspicious);
    }

    [Theory]
    [InlineData(0, 0, "top-left corner")]
    [InlineData(7, 7, "bottom-right corner")]
    [InlineData(0, 4, "top edge")]
    [InlineData(4, 0, "left edge")]
    [InlineData(4, 4, "centre")]
    public void Regions_are_named_from_a_three_by_three_division(int y, int x, string name) =>
        Assert.Equal(name, ShortcutFinder.RegionName(y, x, Size, Size));
}
