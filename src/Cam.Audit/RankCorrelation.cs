namespace Cam.Audit;

/// <summary>Spearman's rank correlation: Pearson's correlation of the ranks, tied values sharing their mean rank.</summary>
public static class RankCorrelation
{
    /// <summary>The correlation of <paramref name="a"/> and <paramref name="b"/>; 1 when both are constant, 0 when one is.</summary>
    public static double Spearman(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        if (a.Count != b.Count) throw new ArgumentException("the two maps differ in size");
        return Correlation.Pearson(Ranks(a), Ranks(b));
    }

    /// <summary>1-based ranks, ties given the mean of the ranks they span.</summary>
    public static double[] Ranks(IReadOnlyList<float> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            for (var k = start; k <= end; k++) ranks[order[k]] = (start + end) / 2.0 + 1;
            start = end + 1;
        }
        return ranks;
    }
}
