using Cam.Audit.Strategies;

namespace Cam.Audit.Tests;

public class StrategyDiffTests
{
    private static StrategyCluster Cluster(int id, bool flagged, float[] meanMap) =>
        new(id, 10, 0.5, flagged, flagged ? "pinned" : "", null, null, null, null, 0, 0, 0, null,
            new Dictionary<string, IReadOnlyDictionary<string, long>>(), meanMap, [], null);

    private static ClassStrategies Class(int cls, params StrategyCluster[] clusters) =>
        new("cam", "features", cls, $"class {cls}", 20, 20, clusters.Length, [1.0, 0.5], clusters, 2, 2);

    private static readonly float[] Corner = [0.7f, 0.1f, 0.1f, 0.1f];
    private static readonly float[] CornerAgain = [0.65f, 0.15f, 0.1f, 0.1f];
    private static readonly float[] Opposite = [0.1f, 0.1f, 0.1f, 0.7f];

    [Fact]
    public void A_flagged_cluster_only_in_B_is_new_one_only_in_A_is_gone_and_one_in_both_is_kept()
    {
        IReadOnlyList<ClassStrategies> a = [Class(0, Cluster(0, false, Opposite), Cluster(1, true, Corner)), Class(1, Cluster(0, true, Corner))];
        IReadOnlyList<ClassStrategies> b =
            [Class(0, Cluster(0, false, Opposite), Cluster(1, true, CornerAgain)), Class(2, Cluster(0, true, Opposite))];

        var changes = StrategyDiff.Compare("cam", a, b).ToList();

        Assert.Equal([(0, "kept"), (1, "gone"), (2, "new")], changes.Select(c => (c.Class, c.Change)));
        // Pearson of the two corner maps, by hand: deviations (0.45, −0.15, −0.15, −0.15) and (0.4, −0.1, −0.15, −0.15).
        var expected = (0.45 * 0.4 + 0.15 * 0.1
            + 2 * 0.15 * 0.15) / Math.Sqrt((0.45 * 0.45 + 3 * 0.15 * 0.15) * (0.4 * 0.4 + 0.1 * 0.1 + 2 * 0.15 * 0.15));
        Assert.Equal(expected, changes[0].Similarity!.Value, 5);
        Assert.Null(changes[2].Similarity);
    }

    [Fact]
    public void A_flagged_cluster_whose_map_moved_elsewhere_is_new_and_the_old_one_gone()
    {
        var changes = StrategyDiff.Compare("cam", [Class(0, Cluster(0, true, Corner))], [Class(0, Cluster(0, true, Opposite))]).ToList();

        Assert.Equal(["new", "gone"], changes.Select(c => c.Change));
        Assert.True(changes[0].Similarity < StrategyDiff.MinSimilarity);
    }
}
