using Cam.Storage;

namespace Cam.Audit.Strategies;

/// <summary>A flagged strategy present in B and not in A (<c>new</c>), in A and not in B (<c>gone</c>), or in both (<c>kept</c>).</summary>
/// <param name="Similarity">Pearson correlation of its mean map with the closest flagged cluster's of the other job (null when none).</param>
public sealed record StrategyChange(string Method, int Class, string Label, string Change, int Cluster, long Size, double Share, double? Similarity,
    string Reason);

/// <summary>
/// <c>cam diff --strategies</c>: both jobs' strategies (<see cref="StrategyAudit"/>, the same options) and which flagged
/// clusters appeared or vanished. Per method and class, a flagged cluster of one job is matched with the flagged
/// cluster of the other whose mean map correlates best with its own; it is the same strategy when that Pearson
/// correlation reaches <see cref="MinSimilarity"/>.
/// </summary>
public static class StrategyDiff
{
    public const double MinSimilarity = 0.8;

    public static async Task<IReadOnlyList<StrategyChange>> BuildAsync(CamDbContext dbA, Guid jobA, StrategyContext contextA, CamDbContext dbB,
        Guid jobB, StrategyContext contextB, IReadOnlyList<(string Name, string MethodA, string LayerA, string MethodB, string LayerB)> compared,
        StrategyOptions options, CancellationToken ct)
    {
        var changes = new List<StrategyChange>();
        foreach (var (name, methodA, layerA, methodB, layerB) in compared)
        {
            var a = await StrategyAudit.RunAsync(dbA, jobA, methodA, layerA, contextA, options, ct: ct);
            var b = await StrategyAudit.RunAsync(dbB, jobB, methodB, layerB, contextB, options, ct: ct);
            changes.AddRange(Compare(name, a, b));
        }
        return changes;
    }

    internal static IEnumerable<StrategyChange> Compare(string method, IReadOnlyList<ClassStrategies> a, IReadOnlyList<ClassStrategies> b)
    {
        var classes = a.Select(s => s.Class).Union(b.Select(s => s.Class)).Order();
        foreach (var cls in classes)
        {
            var (inA, inB) = (a.FirstOrDefault(s => s.Class == cls), b.FirstOrDefault(s => s.Class == cls));
            var flaggedA = inA?.Clusters.Where(c => c.Flagged).ToList() ?? [];
            var flaggedB = inB?.Clusters.Where(c => c.Flagged).ToList() ?? [];
            var label = (inB ?? inA)!.Label;
            foreach (var c in flaggedB)
            {
                var best = Closest(c, flaggedA);
                yield return new StrategyChange(method, cls, label, best >= MinSimilarity ? "kept" : "new", c.Id, c.Size, c.Share, best, c.Reason);
            }
            foreach (var c in flaggedA)
            {
                var best = Closest(c, flaggedB);
                if (best is null || best < MinSimilarity) yield return new StrategyChange(method, cls, label, "gone", c.Id, c.Size, c.Share, best,
                    c.Reason);
            }
        }
    }

    private static double? Closest(StrategyCluster cluster, IReadOnlyList<StrategyCluster> others) =>
        others.Where(o => o.MeanMap.Length == cluster.MeanMap.Length)
            .Select(o => (double?)Correlation.Pearson(Array.ConvertAll(cluster.MeanMap, v => (double)v), Array.ConvertAll(o.MeanMap, v => (double)v)))
            .Max();
}
