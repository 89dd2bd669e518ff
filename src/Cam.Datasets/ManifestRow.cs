using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cam.Datasets;

/// <summary>One manifest row as written, before any check: the path, label and meta as text, box coordinates as read.</summary>
internal sealed record ManifestRow(string Path, string? Label, IReadOnlyList<double[]> Boxes, string? Meta)
{
    /// <summary>A CSV record under <paramref name="header"/>; the box is <c>x0,y0,x1,y1</c>, all four or none.</summary>
    public static ManifestRow FromCsv(string[] header, string line)
    {
        var cells = Csv.Split(line);
        if (cells.Length != header.Length) throw new FormatException($"{cells.Length} cells for {header.Length} columns");
        string? Cell(string name) => Array.IndexOf(header, name) is var i and >= 0 && cells[i].Length > 0 ? cells[i] : null;
        var corners = new[] { Cell("x0"), Cell("y0"), Cell("x1"), Cell("y1") };
        var boxes = new List<double[]>();
        if (corners.Any(c => c is not null))
        {
            if (corners.Any(c => c is null)) throw new FormatException("a box needs all of x0, y0, x1 and y1");
            boxes.Add(corners.Select(c => double.TryParse(c, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                ? v : throw new FormatException($"box coordinate '{StorableText.Escape(c!, 64)}' is not a number")).ToArray());
        }
        return new ManifestRow(Cell("path") ?? "", Cell("label"), boxes, Cell("meta"));
    }

    /// <summary>A JSON Lines object: <c>{"path": …, "label": …, "boxes": [[x0,y0,x1,y1], …], "meta": {…}}</c>.</summary>
    public static ManifestRow FromJson(string line, int maxBoxes)
    {
        if (JsonNode.Parse(line) is not JsonObject node) throw new FormatException("not a JSON object");
        if (node["path"] is not JsonValue path || path.GetValueKind() != JsonValueKind.String) throw new FormatException("no path string");
        var label = node["label"] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v when v.GetValueKind() is JsonValueKind.Number => v.ToJsonString(),
            _ => throw new FormatException("the label must be a string or a number"),
        };
        var boxes = new List<double[]>();
        switch (node["boxes"])
        {
            case null:
                break;
            case JsonArray array when array.Count > maxBoxes:
                throw new FormatException($"{array.Count} boxes, more than the {maxBoxes} an item may have");
            case JsonArray array:
                foreach (var box in array) boxes.Add(Box(box));
                break;
            default:
                throw new FormatException("boxes must be a list of [x0, y0, x1, y1]");
        }
        return new ManifestRow(path.GetValue<string>(), label, boxes, node["meta"]?.ToJsonString());
    }

    private static double[] Box(JsonNode? box)
    {
        if (box is not JsonArray { Count: 4 } corners) throw new FormatException($"box {box?.ToJsonString() ?? "null"} is not [x0, y0, x1, y1]");
        return corners.Select(c => c is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? v.TryGetValue<double>(out var d) ? d : throw new FormatException($"box coordinate {v.ToJsonString()} is out of range")
            : throw new FormatException($"box coordinate {c?.ToJsonString() ?? "null"} is not a number")).ToArray();
    }
}
