using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cam.Tests.Shared;

/// <summary>One manifest row of a good item: its image (relative to the manifest), label and box.</summary>
public sealed record GoodRow(string Path, string Label, float X0, float Y0, float X1, float Y1);

/// <summary>A hostile manifest line and the stage whose item error it must end as.</summary>
public sealed record HostileLine(string What, string Line, string Stage);

/// <summary>
/// A manifest that mixes good items with one of each input fault the pipeline must survive — null and NaN boxes, a
/// symbolic link loop, a NUL in a path, a path out of the root, truncated, empty and decompression-bomb images —
/// spread between the good lines, in CSV or JSON Lines. Linked into the test projects that need it.
/// </summary>
public static class HostileDataset
{
    /// <summary>
    /// Writes the hostile files into <paramref name="folder"/>/hostile and the manifest <c>hostile.csv</c> or
    /// <c>hostile.jsonl</c> into <paramref name="folder"/>; returns its name and, per item number, the stage its error
    /// must have (null for a good item).
    /// </summary>
    public static (string Manifest, IReadOnlyList<string?> Expected) Write(string folder, IReadOnlyList<GoodRow> good, string format)
    {
        var json = format == "jsonl";
        var files = Directory.CreateDirectory(Path.Combine(folder, "hostile")).FullName;
        var sample = File.ReadAllBytes(Path.Combine(folder, good[0].Path));
        File.WriteAllBytes(Path.Combine(files, "truncated.png"), sample[..(sample.Length / 2)]);
        File.WriteAllBytes(Path.Combine(files, "empty.png"), []);
        File.WriteAllBytes(Path.Combine(files, "bomb.png"), HostileImages.PngBomb());
        File.CreateSymbolicLink(Path.Combine(files, "loop.png"), "loop.png");

        var hostile = new List<HostileLine>
        {
            new("null box", json ? $$"""{"path":"{{good[0].Path}}","boxes":[null]}""" : $"{good[0].Path},{good[0].Label},0,,10,10", "manifest"),
            new("NaN box", json ? $$"""{"path":"{{good[1].Path}}","boxes":[[0,0,NaN,10]]}"""
                : $"{good[1].Path},{good[1].Label},0,0,NaN,10", "manifest"),
            new("infinite box", json ? $$"""{"path":"{{good[2].Path}}","boxes":[[0,0,1e999,10]]}"""
                : $"{good[2].Path},{good[2].Label},0,0,Infinity,10", "manifest"),
            new("NUL in the path", json ? """{"path":"hostile/nul\u0000.png"}""" : "hostile/nul\0.png,circle,,,,", "manifest"),
            new("symbolic link loop", Line(json, "hostile/loop.png"), "path"),
            new("path out of the root", Line(json, "../../../../../../etc/passwd"), "path"),
            new("truncated image", Line(json, "hostile/truncated.png"), "decode"),
            new("empty image", Line(json, "hostile/empty.png"), "decode"),
            new("decompression bomb", Line(json, "hostile/bomb.png"), "decode"),
        };

        var manifest = new StringBuilder(json ? "" : "path,label,x0,y0,x1,y1\n");
        var expected = new List<string?>();
        var next = 0;
        for (var i = 0; i < good.Count; i++)
        {
            manifest.Append(Line(json, good[i])).Append('\n');
            expected.Add(null);
            if (i % 2 == 1 && next < hostile.Count) Add(hostile[next++]);
        }
        while (next < hostile.Count) Add(hostile[next++]);
        var name = json ? "hostile.jsonl" : "hostile.csv";
        File.WriteAllText(Path.Combine(folder, name), manifest.ToString());
        return (name, expected);

        void Add(HostileLine line)
        {
            manifest.Append(line.Line).Append('\n');
            expected.Add(line.Stage);
        }
    }

    private static string Line(bool json, string path) =>
        json ? JsonSerializer.Serialize(new { path, label = "circle" }) : $"{path},circle,,,,";

    private static string Line(bool json, GoodRow row) => json
        ? JsonSerializer.Serialize(new { path = row.Path, label = row.Label, boxes = new[] { new[] { row.X0, row.Y0, row.X1, row.Y1 } } })
        : string.Create(CultureInfo.InvariantCulture, $"{row.Path},{row.Label},{row.X0},{row.Y0},{row.X1},{row.Y1}");

    /// <summary>The good rows of a CSV manifest with a box per row (<c>path,label,x0,y0,x1,y1</c>), as the demo data writes it.</summary>
    public static IReadOnlyList<GoodRow> GoodRows(string csvManifest) => File.ReadLines(csvManifest).Skip(1)
        .Select(l => l.Split(','))
        .Select(c => new GoodRow(c[0], c[1], float.Parse(c[2], CultureInfo.InvariantCulture), float.Parse(c[3], CultureInfo.InvariantCulture),
            float.Parse(c[4], CultureInfo.InvariantCulture), float.Parse(c[5], CultureInfo.InvariantCulture)))
        .ToList();
}
