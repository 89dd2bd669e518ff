namespace Cam.Audit;

/// <summary>
/// Looks for shortcuts: a class whose maps keep peaking in one place that the other classes' maps do not favour —
/// a mark, a watermark, a border artefact — rather than on the object, which moves from image to image.
/// </summary>
public static class ShortcutFinder
{
    /// <summary>A class is suspicious when at least this share of its maps peak in one region…</summary>
    public const double MinPeakShare = 0.4;
    /// <summary>…and that share is this many times the share of other classes' maps peaking there.</summary>
    public const double MinLift = 3.0;
    public const int MinMaps = 8;

    public static IReadOnlyList<ShortcutFinding> Find(string method, ClassMapAccumulator maps, IReadOnlyList<string> labels,
        IReadOnlyDictionary<int, double?> energyInBoxByClass)
    {
        var findings = new List<ShortcutFinding>();
        foreach (var cls in maps.Classes)
        {
            var n = maps.Count(cls);
            if (n < MinMaps) continue;
            var mean = maps.MeanMap(cls);
            var peak = Array.IndexOf(mean, mean.Max());
            var (y, x) = (peak / maps.Width, peak % maps.Width);
            var share = (double)maps.PeaksNear(cls, y, x) / n;
            var others = maps.CountOthers(cls);
            var baseline = others == 0 ? 0 : (double)maps.PeaksNear(cls, y, x, otherClasses: true) / others;
            var onBorder = y == 0 || x == 0 || y == maps.Height - 1 || x == maps.Width - 1;
            var suspicious = share >= MinPeakShare && share >= MinLift * Math.Max(baseline, 0.02) && others > 0;
            var outside = energyInBoxByClass.GetValueOrDefault(cls) is { } inBox ? 1 - inBox : (double?)null;
            var label = AuditQueries.LabelOf(labels, cls);
            var region = RegionName(y, x, maps.Height, maps.Width);
            var message = suspicious
                ? $"'{label}': {share:P0} of its maps peak in the {region} (other classes: {baseline:P0}){(onBorder ? ", on the image border" : "")}" +
                  (outside is { } o ? $"; {o:P0} of its map energy lies outside the object" : "") + " — a likely shortcut"
                : $"'{label}': maps peak in the {region} for {share:P0} of items (other classes: {baseline:P0})";
            findings.Add(new ShortcutFinding(method, cls, label, region, y, x, onBorder, share, baseline, outside, suspicious, message));
        }
        return findings;
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
