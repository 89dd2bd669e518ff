namespace Cam.Audit.Strategies;

/// <summary>
/// Decides which clusters of a class are Clever-Hans strategies, each against the rest of its class (the other
/// clusters' sampled maps pooled), on 95% bootstrap intervals (<see cref="Bootstrap"/>):
/// <list type="bullet">
/// <item><b>maps that stay put while the objects move</b>: the interval of the cluster's decoupling (object-centre
/// spread over map-centre spread, <see cref="StrategyGeometry"/>) lies above <see cref="MinDecoupling"/> — its maps
/// move less than half as far as their objects — and above the rest of the class's interval;</item>
/// <item><b>maps away from the object</b>: pointing game at most half the rest's and energy in box below it, both
/// with intervals that do not meet the rest's.</item>
/// </list>
/// Maps that follow their objects have a decoupling near 1, wherever the objects lie; a map pinned to one place
/// (a mark, a watermark, a border) has one far above 1. A class of one cluster has nothing to compare with; a
/// cluster with fewer than <see cref="MinSampled"/> sampled maps is not judged.
/// </summary>
public static class StrategyFlags
{
    public const int MinSampled = 10;
    /// <summary>Objects spreading twice as far as the maps: the maps follow them less than half the way.</summary>
    public const double MinDecoupling = 2.0;

    internal static IReadOnlyList<StrategyCluster> Judge(IReadOnlyList<ClusterAccumulator> clusters, long total)
    {
        var geometry = clusters.Select(c => Geometry(c.SampledGeometry)).ToList();
        return clusters.Select((c, id) =>
        {
            var rest = clusters.Where((_, other) => other != id).ToList();
            var inBox = Bootstrap.Mean(c.SampledInBox);
            var pointing = Bootstrap.Mean(c.SampledPointing);
            var reasons = new List<string>();
            if (rest.Count > 0 && c.SampledGeometry.Count >= MinSampled && geometry[id] is { DecouplingInterval: { } d } g
                && Geometry(rest.SelectMany(r => r.SampledGeometry).ToList()) is { DecouplingInterval: { } rd } r
                && d.Low > MinDecoupling && d.Low > rd.High)
                reasons.Add($"its maps stay put while the objects move: the objects' centres spread {g.Decoupling:F1}× as far as the maps' " +
                            $"(95% interval {d.Low:F1}–{d.High:F1}; the rest of the class {r.Decoupling:F1}, " +
                                $"{rd.Low:F1}–{rd.High:F1}), and a map's " +
                            $"centre lies {g.Offset:P0} of the image side from its object's (the rest {r.Offset:P0})");
            var (restInBoxValues, restPointingValues) = (rest.SelectMany(x => x.SampledInBox).ToList(),
                rest.SelectMany(x => x.SampledPointing).ToList());
            if (c.SampledPointing.Count >= MinSampled && pointing is { } p && Bootstrap.Mean(restPointingValues) is { } rp
                && inBox is { } e && Bootstrap.Mean(restInBoxValues) is { } re
                && p.High < rp.Low && Mean(c.SampledPointing) <= Mean(restPointingValues) / 2 && e.High < re.Low)
                reasons.Add($"its maps look away from the object: pointing game {Mean(c.SampledPointing):P0} ({p.Low:P0}–{p.High:P0}) against " +
                            $"{Mean(restPointingValues):P0} ({rp.Low:P0}–{rp.High:P0}) for the rest of the class, energy in box " +
                            $"{Mean(c.SampledInBox):P0} ({e.Low:P0}–{e.High:P0}) against {Mean(restInBoxValues):P0} ({re.Low:P0}–{re.High:P0})");
            var mean = c.MapSum.Select(v => (float)(v / Math.Max(c.Size, 1))).ToArray();
            return new StrategyCluster(id, c.Size, total == 0 ? 0 : (double)c.Size / total, reasons.Count > 0, string.Join("; ", reasons),
                c.InBox.Count == 0 ? null : c.InBox.Sum / c.InBox.Count,
                    c.Pointing.Pointed == 0 ? null : (double)c.Pointing.Hits / c.Pointing.Pointed,
                inBox, pointing, c.Size == 0 ? 0 : c.BorderSum / c.Size, c.Correct, c.Incorrect,
                c.Correct + c.Incorrect == 0 ? null : (double)c.Correct / (c.Correct + c.Incorrect), c.Meta(), mean, c.TypicalItems(), geometry[id]);
        }).ToList();
    }

    /// <summary>Offset and decoupling of paired (map centre, object centre), with intervals from resampling the pairs.</summary>
    internal static StrategyGeometry? Geometry(IReadOnlyList<((double X, double Y) Map, (double X, double Y) Object)> pairs)
    {
        if (pairs.Count < 2) return null;
        var indexes = Enumerable.Range(0, pairs.Count).ToArray();
        var resample = new int[pairs.Count];
        IReadOnlyList<int> Draw(Random random)
        {
            for (var i = 0; i < resample.Length; i++) resample[i] = random.Next(pairs.Count);
            return resample;
        }
        return new StrategyGeometry(pairs.Count, Offset(pairs, indexes), Bootstrap.Of(Bootstrap.Seed, random => Offset(pairs, Draw(random))),
            Decoupling(pairs, indexes), Bootstrap.Of(Bootstrap.Seed, random => Decoupling(pairs, Draw(random))));
    }

    private static double Offset(IReadOnlyList<((double X, double Y) Map, (double X, double Y) Object)> pairs, IReadOnlyList<int> at) =>
        at.Average(i => Math.Sqrt(Square(pairs[i].Map.X - pairs[i].Object.X) + Square(pairs[i].Map.Y - pairs[i].Object.Y)));

    /// <summary>RMS distance of the object centres to their mean over that of the map centres (floored at 1e-6).</summary>
    private static double Decoupling(IReadOnlyList<((double X, double Y) Map, (double X, double Y) Object)> pairs, IReadOnlyList<int> at) =>
        Spread(at.Select(i => pairs[i].Object).ToList()) / Math.Max(Spread(at.Select(i => pairs[i].Map).ToList()), 1e-6);

    private static double Spread(IReadOnlyList<(double X, double Y)> points)
    {
        var (mx, my) = (points.Average(p => p.X), points.Average(p => p.Y));
        return Math.Sqrt(points.Average(p => Square(p.X - mx) + Square(p.Y - my)));
    }

    private static double Mean(IEnumerable<double> values) => values.DefaultIfEmpty(0).Average();

    private static double Square(double v) => v * v;
}
