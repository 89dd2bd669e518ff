using System.Globalization;
using System.Text.RegularExpressions;

namespace Cam.DashboardSnapshot;

/// <summary>One sample of a scrape: a series name, its labels, its value.</summary>
public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string key) => Labels.TryGetValue(key, out var value) ? value : "";
}

/// <summary>A scrape of one process at one time (Prometheus' text format).</summary>
public sealed record Scrape(string Source, double Seconds, IReadOnlyList<Sample> Samples)
{
    private static readonly Regex Line = new(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? ([^ ]+)", RegexOptions.Compiled);
    private static readonly Regex Pair = new(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""", RegexOptions.Compiled);

    /// <summary>Files named SOURCE-MILLISECONDS.txt.</summary>
    public static IReadOnlyList<Scrape> Load(string folder)
    {
        var scrapes = Directory.EnumerateFiles(folder, "*.txt").Select(file =>
        {
            var name = Path.GetFileNameWithoutExtension(file);
            var dash = name.LastIndexOf('-');
            return new Scrape(name[..dash], long.Parse(name[(dash + 1)..], CultureInfo.InvariantCulture) / 1000.0, Parse(File.ReadAllText(file)));
        }).Where(s => s.Samples.Count > 0).OrderBy(s => s.Seconds).ToList();
        var start = scrapes.Min(s => s.Seconds);
        return scrapes.Select(s => s with { Seconds = s.Seconds - start }).ToList();
    }

    private static List<Sample> Parse(string text) => text.Split('\n').Select(l => Line.Match(l)).Where(m => m.Success)
        .Select(m => new Sample(m.Groups[1].Value, Pair.Matches(m.Groups[2].Value).ToDictionary(p => p.Groups[1].Value, p => p.Groups[2].Value),
            double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)))
        .ToList();

    public double Sum(string name, Func<Sample, bool>? where = null) =>
        Samples.Where(s => s.Name == name && (where?.Invoke(s) ?? true)).Sum(s => s.Value);
}
