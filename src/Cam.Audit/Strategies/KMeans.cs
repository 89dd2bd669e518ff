namespace Cam.Audit.Strategies;

/// <summary>The partition k-means found: each row's cluster, the centres and the within-cluster sum of squares.</summary>
public sealed record KMeansResult(int[] Labels, double[][] Centres, double Inertia);

/// <summary>
/// Lloyd's k-means with k-means++ seeding (Arthur and Vassilvitskii 2007): <c>runs</c> starts from one seeded
/// generator, the one with the least inertia Σ‖xᵢ − c(xᵢ)‖² kept; each run iterates until no row changes cluster (at
/// most 300 times). Deterministic for a seed.
/// </summary>
public static class KMeans
{
    public const int MaxIterations = 300;

    public static KMeansResult Fit(IReadOnlyList<double[]> rows, int k, int seed, int runs = 10)
    {
        if (k < 1 || k > rows.Count) throw new ArgumentOutOfRangeException(nameof(k), $"k-means needs 1 ≤ k ≤ {rows.Count}, got {k}");
        var random = new Random(seed);
        KMeansResult? best = null;
        for (var run = 0; run < Math.Max(1, runs); run++)
        {
            var result = Lloyd(rows, SeedCentres(rows, k, random));
            if (best is null || result.Inertia < best.Inertia - 1e-12) best = result;
        }
        return best!;
    }

    private static double[][] SeedCentres(IReadOnlyList<double[]> rows, int k, Random random)
    {
        var centres = new List<double[]> { (double[])rows[random.Next(rows.Count)].Clone() };
        var nearest = rows.Select(r => Distance2(r, centres[0])).ToArray();
        while (centres.Count < k)
        {
            var total = nearest.Sum();
            var target = random.NextDouble() * total;
            var chosen = rows.Count - 1;
            for (var i = 0; i < rows.Count && total > 0; i++)
            {
                target -= nearest[i];
                if (target < 0) { chosen = i; break; }
            }
            if (total <= 0) chosen = random.Next(rows.Count);
            centres.Add((double[])rows[chosen].Clone());
            for (var i = 0; i < rows.Count; i++) nearest[i] = Math.Min(nearest[i], Distance2(rows[i], centres[^1]));
        }
        return centres.ToArray();
    }

    private static KMeansResult Lloyd(IReadOnlyList<double[]> rows, double[][] centres)
    {
        var (n, k, d) = (rows.Count, centres.Length, rows[0].Length);
        var labels = Enumerable.Repeat(-1, n).ToArray();
        for (var iteration = 0; iteration < MaxIterations; iteration++)
        {
            var changed = false;
            for (var i = 0; i < n; i++)
            {
                var nearest = Nearest(rows[i], centres);
                if (nearest != labels[i]) (labels[i], changed) = (nearest, true);
            }
            if (!changed) break;
            var sums = new double[k][];
            var counts = new int[k];
            for (var c = 0; c < k; c++) sums[c] = new double[d];
            for (var i = 0; i < n; i++)
            {
                counts[labels[i]]++;
                for (var j = 0; j < d; j++) sums[labels[i]][j] += rows[i][j];
            }
            for (var c = 0; c < k; c++)
                if (counts[c] > 0) centres[c] = sums[c].Select(s => s / counts[c]).ToArray();
        }
        var inertia = 0.0;
        for (var i = 0; i < n; i++) inertia += Distance2(rows[i], centres[labels[i]]);
        return new KMeansResult(labels, centres, inertia);
    }

    /// <summary>The centre closest to <paramref name="row"/> (the first on ties).</summary>
    public static int Nearest(ReadOnlySpan<double> row, IReadOnlyList<double[]> centres)
    {
        var (best, bestDistance) = (0, double.PositiveInfinity);
        for (var c = 0; c < centres.Count; c++)
        {
            var distance = Distance2(row, centres[c]);
            if (distance < bestDistance) (best, bestDistance) = (c, distance);
        }
        return best;
    }

    public static double Distance2(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var sum = 0.0;
        for (var j = 0; j < a.Length; j++) sum += (a[j] - b[j]) * (a[j] - b[j]);
        return sum;
    }
}
