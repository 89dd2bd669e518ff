namespace Cam.Audit;

/// <summary>
/// Looks for shortcuts: a class whose maps put clearly more of their mass on one region than the other classes' maps
/// do — a mark, a watermark, a border artefact that goes with the class — rather than on the object, which moves from
/// image to image. Compares each class's mean map with the mean map of all other classes, region by region.
/// <see cref="Find"/> decides on the point estimates; the audit then keeps a finding only when <see cref="Confirm"/>
/// finds its intervals clear of the thresholds too.
/// </summary>
public static class ShortcutFinder
{
    /// <summary>A class is suspicious when its mean map holds at least this much more of its mass in a region than the others' do…</summary>
    public const double MinExcessMass = 0.07;
    /// <summary>…and at least this many times as much.</summary>
    public const double MinLift = 1.5;
    /// <summary>…and reliably so: Welch's t of the per-map shares at least this (high, as the region is the best of many).</summary>
    public const double MinT = 4.0;
    public const int MinMaps = 8;

    public static IReadOnlyList<ShortcutFinding> Find(string method, ClassMapAccumulator maps, IReadOnlyList<string> labels,
        IReadOnlyDictionary<int, double?> energyInBoxByClass)
    {
        var findings = new List<ShortcutFinding>();
        var (h, w) = (maps.Height, maps.Width);
        foreach (var cls in maps.Classes)
        {
            var n = maps.Count(cls);
            var others = maps.CountOthers(cls);
            if (n < MinMaps || others == 0) continue;
            var mine = Array.ConvertAll(maps.MeanMap(cls), v => (double)v);
            var theirs = Array.ConvertAll(maps.MeanMapOfOthers(cls), v => (double)v);
            var (bestY, bestX, bestExcess, regionMass, otherMass) = (0, 0, double.MinValue, 0.0, 0.0);
            for (var y = 0; y < h; y++)
                for (var x = 0; x < w; x++)
                {
                    var (m, other) = (ClassMapAccumulator.RegionSum(mine, y, x, h, w), ClassMapAccumulator.RegionSum(theirs, y, x, h, w));
                    if (m - other > bestExcess) (bestY, bestX, bestExcess, regionMass, otherMass) = (y, x, m - other, m, other);
                }
            var lift = regionMass / Math.Max(otherMass, 1e-6);
            var share = (double)maps.PeaksNear(cls, bestY, bestX) / n;
            var baseline = (double)maps.PeaksNear(cls, bestY, bestX, otherClasses: true) / others;
            var onBorder = bestY <= 1 || bestX <= 1 || bestY >= h - 2 || bestX >= w - 2;
            var t = maps.RegionT(cls, bestY, bestX);
            var suspicious = bestExcess >= MinExcessMass && lift >= MinLift && t >= MinT;
            var outside = energyInBoxByClass.GetValueOrDefault(cls) is { } inBox ? 1 - inBox : (double?)null;
            var label = AuditQueries.LabelOf(labels, cls);
            var region = RegionName(bestY, bestX, h, w);
            var message = suspicious
                ? $"'{label}': its maps put {regionMass:P0} of their mass in the {region}, {lift:F1}× the other classes' {otherMass:P0}" +
                  $"{(onBorder ? ", at the image border" : "")}; {share:P0} of its maps peak there (others: {baseline:P0})" +
                      (outside is { } o ? $"; {o:P0} of its map energy lies outside the object" : "") + " — a likely shortcut"
                : $"'{label}': no region stands out (at most {lift:F1}× the other classes' mass, in the {region})";
            findings.Add(new ShortcutFinding(method, cls, label, region, bestY, bestX, onBorder, regionMass, otherMass, lift, t, share, baseline,
                outside, suspicious, message));
        }
        return findings;
    }

    /// <summary>
    /// Decides a finding on intervals: it stays suspicious only when the 95% bootstrap interval of the excess (per-map
    /// shares of the region, the class's against the other classes') lies above <see cref="MinExcessMass"/> and the
    /// lift's above <see cref="MinLift"/>, not merely the point estimates. <paramref name="mine"/> and
    /// <paramref name="others"/> are those per-map shares.
    /// </summary>
    public static ShortcutFinding Confirm(ShortcutFinding finding, IReadOnlyList<double> mine, IReadOnlyList<double> others)
    {
        var excess = Bootstrap.Difference(mine, others);
        var lift = Bootstrap.Ratio(mine, others);
        var confirmed = finding.Suspicious && excess is { } e && e.Low >= MinExcessMass && lift is { } l && l.Low >= MinLift;
        var message = finding.Suspicious && !confirmed
            ? $"'{finding.Label}': its maps put {finding.RegionMass:P0} of their mass in the {finding.Region}, {finding.Lift:F1}× the other " +
                $"classes' {finding.OtherMass:P0}, but the 95% interval of the excess reaches down to {excess?.Low ?? 0:P1} and of the lift to " +
                  $"{lift?.Low ?? 0:F2}× — not enough evidence for a shortcut"
            : finding.Message + (confirmed ? $" (95% interval of the excess {excess!.Low:P0}–{excess.High:P0}, of the lift " +
                $"{lift!.Low:F1}–{lift.High:F1}×)" : "");
        return finding with { Suspicious = confirmed, Message = message, ExcessInterval = excess, LiftInterval = lift };
    }

    /// <summary>"top-left corner", "bottom edge", "centre"… from the cell's place in a 3×3 division of the map.</summary>
    public static string RegionName(int y, int x, int height, int width)
    {
        var row = Third(y, height);
        var column = Third(x, width);
        return (row, column) switch
        {
            (1, 1) => "centre",
            (0, 1) => "top edge",
            (2, 1) => "bottom edge",
            (1, 0) => "left edge",
            (1, 2) => "right edge",
            _ => $"{(row == 0 ? "top" : "bottom")}-{(column == 0 ? "left" : "right")} corner",
        };
    }

    private static int Third(int index, int size) => size <= 2 ? (index == 0 ? 0 : 2) : Math.Min(2, index * 3 / size);
}
