using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Audit.Strategies;

/// <summary>How <see cref="SpectralClustering"/> builds its graph and picks the number of clusters.</summary>
/// <param name="Neighbours">k of the k-nearest-neighbour graph (Euclidean distance between the sum-1 maps).</param>
/// <param name="MaxClusters">The eigengap is looked for among the first this many eigenvalues.</param>
/// <param name="Seed">Seed of k-means++ (the same seed, the same partition).</param>
public sealed record SpectralOptions(int Neighbours = 10, int MaxClusters = 10, int Seed = 20261206, int KMeansRuns = 10);

/// <summary>The partition of one class's sample: <see cref="Labels"/>[i] in [0, <see cref="Clusters"/>).</summary>
/// <param name="Eigenvalues">The leading eigenvalues of D^-½ A D^-½, largest first (at most MaxClusters + 1).</param>
public sealed record SpectralResult(int Clusters, double[] Eigenvalues, int[] Labels);

/// <summary>
/// Spectral Relevance Analysis' clustering step (Lapuschkin et al. 2019; CoRelAy's <c>pipeline/spectral.py</c>):
/// <list type="number">
/// <item>symmetric k-nearest-neighbour affinity A = ½(C + Cᵀ), C[i, j] = 1 when j is among i's k nearest maps (not i);</item>
/// <item>M = D^-½ A D^-½ with D = diag(A·1); its eigenpairs from LAPACK (TorchSharp's <c>linalg.eigh</c>, float64),
/// λ₁ = 1 ≥ λ₂ ≥ …;</item>
/// <item>the number of clusters k = argmax over i ≤ MaxClusters of the eigengap λᵢ − λᵢ₊₁ (k = 1 when the first gap,
/// 1 − λ₂, is the largest: no clear split);</item>
/// <item>k-means (<see cref="KMeans"/>) on the spectral embedding: row i of the k leading eigenvectors divided by
/// √dᵢ (scikit-learn's <c>spectral_embedding</c> with <c>norm_laplacian</c>, the random walk's eigenvectors).</item>
/// </list>
/// Clusters are numbered by size, largest first (ties: by their first member), so that the numbering is deterministic.
/// The eigensolver is dense: time O(n³) and memory O(n²) in the sample size n.
/// </summary>
public static class SpectralClustering
{
    public static SpectralResult Cluster(IReadOnlyList<float[]> maps, SpectralOptions options)
    {
        var n = maps.Count;
        if (n == 0) return new SpectralResult(0, [], []);
        if (n <= 2) return new SpectralResult(1, [1.0], new int[n]);
        var (eigenvalues, vectors, degrees) = LeadingEigenpairs(maps, options.Neighbours, Math.Min(options.MaxClusters + 1, n));
        var k = ClustersFromEigengap(eigenvalues, options.MaxClusters);
        if (k == 1) return new SpectralResult(1, eigenvalues, new int[n]);
        var embedding = new double[n][];
        for (var i = 0; i < n; i++)
        {
            var row = new double[k];
            for (var j = 0; j < k; j++) row[j] = vectors[i, j] / Math.Sqrt(Math.Max(degrees[i], 1e-12));
            embedding[i] = row;
        }
        var labels = KMeans.Fit(embedding, k, options.Seed, options.KMeansRuns).Labels;
        return new SpectralResult(k, eigenvalues, Canonical(labels, k));
    }

    /// <summary>argmax of λᵢ − λᵢ₊₁ over i = 1 … min(max, m − 1) (1-based), the first on ties.</summary>
    public static int ClustersFromEigengap(IReadOnlyList<double> eigenvalues, int maxClusters)
    {
        var (best, bestGap) = (1, double.NegativeInfinity);
        for (var i = 1; i <= Math.Min(maxClusters, eigenvalues.Count - 1); i++)
        {
            var gap = eigenvalues[i - 1] - eigenvalues[i];
            if (gap > bestGap + 1e-12) (best, bestGap) = (i, gap);
        }
        return best;
    }

    /// <summary>
    /// The symmetric kNN affinity A = ½(C + Cᵀ) (dense, n × n), for the eigensolver. C is filled a chunk of rows at a
    /// time, each chunk's distances freed before the next; A is the one n × n tensor made from it (halved in place), so
    /// that at most two n × n tensors are held at once.
    /// </summary>
    internal static Tensor Affinity(IReadOnlyList<float[]> maps, int neighbours)
    {
        var n = maps.Count;
        var d = maps[0].Length;
        var flat = new double[n * d];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < d; j++) flat[i * d + j] = maps[i][j];
        var k = Math.Min(neighbours, n - 1);
        using var scope = NewDisposeScope();
        var x = tensor(flat, [n, d], ScalarType.Float64);
        var connectivity = zeros(n, n, ScalarType.Float64);
        const int chunk = 1024;
        for (long start = 0; start < n; start += chunk)
        {
            using var chunkScope = NewDisposeScope();
            var length = Math.Min(chunk, n - start);
            var rows = x.narrow(0, start, length);
            var distances = cdist(rows, x);
            // Not its own neighbour: the diagonal is pushed past every other distance.
            distances.index_put_(double.PositiveInfinity, arange(length), arange(start, start + length));
            // Ties broken by index: stable sort of distances, the first k.
            var nearest = distances.sort(dim: 1, stable: true).Indices.narrow(1, 0, k);
            connectivity.narrow(0, start, length).scatter_(1, nearest, ones(length, k, ScalarType.Float64));
        }
        // C + Cᵀ cannot be summed into C in place (it reads what it writes): one new tensor, then halved in place.
        return connectivity.add(connectivity.t()).mul_(0.5).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The leading eigenpairs of M = D^-½ A D^-½, built in place in A (its rows, then its columns, scaled by d^-½);
    /// not symmetrised again, as <c>linalg.eigh</c> reads only M's lower triangle.
    /// </summary>
    private static (double[] Values, double[,] Vectors, double[] Degrees) LeadingEigenpairs(IReadOnlyList<float[]> maps, int neighbours, int count)
    {
        using var scope = NewDisposeScope();
        var affinity = Affinity(maps, neighbours);
        var n = (int)affinity.shape[0];
        var degrees = affinity.sum(1);
        var scale = degrees.clamp_min(1e-12).rsqrt();
        var normalised = affinity.mul_(scale.unsqueeze(1)).mul_(scale.unsqueeze(0));
        var (values, vectors) = linalg.eigh(normalised);
        // eigh sorts ascending: the last `count`, reversed.
        var top = arange(n - 1, n - 1 - count, -1);
        var leadingValues = values.index_select(0, top).data<double>().ToArray();
        var leadingVectors = vectors.index_select(1, top).contiguous().data<double>().ToArray();
        var result = new double[n, count];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < count; j++) result[i, j] = leadingVectors[i * count + j];
        return (leadingValues, result, degrees.data<double>().ToArray());
    }

    /// <summary>Renumbers clusters by size (largest first), ties by their first member.</summary>
    internal static int[] Canonical(int[] labels, int k)
    {
        var order = Enumerable.Range(0, k).Select(c => (Cluster: c, Size: labels.Count(l => l == c), First: Array.IndexOf(labels, c)))
            .Where(c => c.Size > 0).OrderByDescending(c => c.Size).ThenBy(c => c.First).Select(c => c.Cluster).ToList();
        var rename = new int[k];
        for (var i = 0; i < order.Count; i++) rename[order[i]] = i;
        return labels.Select(l => rename[l]).ToArray();
    }
}
