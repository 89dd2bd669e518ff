namespace Cam.Audit;

/// <summary>
/// The shortcut finder's second pass: for each candidate (a class, and the slice it was found in, or none for the
/// whole job), each map's share of mass in the candidate's region — the class's maps on one side, every other
/// class's on the other — so that the excess and the lift get bootstrap intervals.
/// </summary>
public sealed class RegionShares
{
    private readonly List<(string? Slice, ShortcutFinding Finding, List<double> Mine, List<double> Others)> candidates;

    public RegionShares(IEnumerable<(string? Slice, ShortcutFinding Finding)> candidates) =>
        this.candidates = candidates.Select(c => (c.Slice, c.Finding, new List<double>(), new List<double>())).ToList();

    public bool IsEmpty => candidates.Count == 0;

    /// <summary>Adds one map of <paramref name="classIndex"/> from <paramref name="slice"/> (a slice name, or null without slicing).</summary>
    public void Add(string? slice, int classIndex, float[] map, int height, int width)
    {
        double[]? shares = null;
        foreach (var (candidateSlice, finding, mine, others) in candidates)
        {
            if (candidateSlice is not null && candidateSlice != slice) continue;
            shares ??= Normalised(map);
            var share = ClassMapAccumulator.RegionSum(shares, finding.PeakY, finding.PeakX, height, width);
            (finding.ClassIndex == classIndex ? mine : others).Add(share);
        }
    }

    /// <summary>Each candidate decided on its intervals (<see cref="ShortcutFinder.Confirm"/>).</summary>
    public IEnumerable<(string? Slice, ShortcutFinding Finding)> Confirmed() =>
        candidates.Select(c => (c.Slice, ShortcutFinder.Confirm(c.Finding, c.Mine, c.Others)));

    private static double[] Normalised(float[] map)
    {
        var total = 0.0;
        foreach (var v in map) if (v > 0) total += v;
        var shares = new double[map.Length];
        if (total > 0)
            for (var i = 0; i < map.Length; i++) shares[i] = map[i] > 0 ? map[i] / total : 0;
        return shares;
    }
}
