using System.Text.Json;
using Cam.Audit.Strategies;

namespace Cam.Audit.Tests;

/// <summary>
/// The clustering step against scikit-learn's spectral pipeline on the same maps (tests/Fixtures/strategies,
/// written by make_spectral_reference.py): a constructed class with two planted strategies.
/// </summary>
public class SpectralClusteringTests
{
    private sealed record Reference(int Neighbours, float[][] Maps, int[] Planted, double[] Eigenvalues, int Clusters, int[] Labels);

    private static Reference Load() => JsonSerializer.Deserialize<Reference>(
        File.ReadAllText(Path.Combine(Repository.Root, "tests", "Fixtures", "strategies", "spectral_reference.json")),
        new JsonSerializerOptions(JsonSerializerDefaults.Web))!;

    [Fact]
    public void The_leading_eigenvalues_and_the_eigengap_match_scikit_learn()
    {
        var reference = Load();
        var result = SpectralClustering.Cluster(reference.Maps, new SpectralOptions(Neighbours: reference.Neighbours));

        Assert.Equal(reference.Eigenvalues.Length, result.Eigenvalues.Length);
        for (var i = 0; i < reference.Eigenvalues.Length; i++) Assert.Equal(reference.Eigenvalues[i], result.Eigenvalues[i], 1e-9);
        Assert.Equal(reference.Clusters, result.Clusters);
    }

    [Fact]
    public void The_partition_is_scikit_learns_and_recovers_the_planted_strategies()
    {
        var reference = Load();
        var result = SpectralClustering.Cluster(reference.Maps, new SpectralOptions(Neighbours: reference.Neighbours));

        Assert.Equal(1.0, AdjustedRandIndex(result.Labels, reference.Labels), 12);
        Assert.Equal(1.0, AdjustedRandIndex(result.Labels, reference.Planted), 12);
    }

    [Fact]
    public void The_same_maps_give_the_same_numbered_clusters_whatever_their_order()
    {
        var reference = Load();
        var options = new SpectralOptions(Neighbours: reference.Neighbours);
        var first = SpectralClustering.Cluster(reference.Maps, options);
        var order = Enumerable.Range(0, reference.Maps.Length).Reverse().ToArray();
        var reversed = SpectralClustering.Cluster(order.Select(i => reference.Maps[i]).ToList(), options);

        Assert.Equal(first.Labels, SpectralClustering.Cluster(reference.Maps, options).Labels);
        // Numbered by size, the clusters keep their numbers when the maps come in reverse.
        Assert.Equal(first.Labels, Enumerable.Range(0, order.Length).Select(i => reversed.Labels[Array.IndexOf(order, i)]));
        // Cluster 0 is the larger: the 50 object maps.
        Assert.Equal(50, first.Labels.Count(l => l == 0));
    }

    [Fact]
    public void The_eigengap_picks_the_number_of_equal_eigenvalues_and_one_when_the_first_gap_is_largest()
    {
        Assert.Equal(3, SpectralClustering.ClustersFromEigengap([1, 1, 1, 0.4, 0.35], 10));
        Assert.Equal(1, SpectralClustering.ClustersFromEigengap([1, 0.5, 0.45, 0.4], 10));
        // Only the first MaxClusters gaps count.
        Assert.Equal(1, SpectralClustering.ClustersFromEigengap([1, 0.9, 0.85, 0.1], 2));
    }

    [Fact]
    public void K_means_splits_two_separated_groups_and_keeps_the_least_inertia()
    {
        double[][] rows = [[0], [0.1], [0.2], [10], [10.1]];
        var result = KMeans.Fit(rows, 2, seed: 3);

        Assert.Equal(result.Labels[0], result.Labels[2]);
        Assert.NotEqual(result.Labels[0], result.Labels[3]);
        // Inertia by hand: (0.1² + 0 + 0.1²) + (0.05² + 0.05²).
        Assert.Equal(0.025, result.Inertia, 12);
    }

    [Fact]
    public void The_sample_is_the_same_whatever_order_the_maps_stream_in()
    {
        var (a, b) = (new BottomKSample(5, 7), new BottomKSample(5, 7));
        foreach (var item in Enumerable.Range(0, 100)) a.Add(item, [item]);
        foreach (var item in Enumerable.Range(0, 100).Reverse()) b.Add(item, [item]);

        Assert.Equal(5, a.Items().Count);
        Assert.Equal(a.Items().Select(i => i.Item), b.Items().Select(i => i.Item));
        // The five smallest hashes, computed independently of the heap.
        Assert.Equal(Enumerable.Range(0, 100).OrderBy(i => BottomKSample.Hash(i, 7)).Take(5).Order().Select(i => (long)i),
            a.Items().Select(i => i.Item));
    }

    /// <summary>Hubert and Arabie's adjusted Rand index from the contingency table.</summary>
    internal static double AdjustedRandIndex(IReadOnlyList<int> a, IReadOnlyList<int> b)
    {
        static double Pairs(long n) => n * (n - 1) / 2.0;
        var table = a.Zip(b).GroupBy(p => p).ToDictionary(g => g.Key, g => (long)g.Count());
        var index = table.Values.Sum(Pairs);
        var rows = a.GroupBy(x => x).Sum(g => Pairs(g.Count()));
        var columns = b.GroupBy(x => x).Sum(g => Pairs(g.Count()));
        var expected = rows * columns / Pairs(a.Count);
        var max = (rows + columns) / 2;
        return max == expected ? 1.0 : (index - expected) / (max - expected);
    }
}
