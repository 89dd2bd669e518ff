using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cam.Datasets;

/// <summary>
/// A manifest: CSV with a header (<c>path</c>, optional <c>label</c>, optional box <c>x0,y0,x1,y1</c> in pixels,
/// optional <c>meta</c>), or JSON Lines (<c>{"path":…, "label":…, "boxes":[[x0,y0,x1,y1],…], "meta":{…}}</c>).
/// Paths are relative to the manifest's folder. Read line by line; a malformed row becomes an item with an error.
/// </summary>
public sealed class ManifestSource : IDatasetSource
{
    private readonly string path;
    private readonly bool jsonLines;

    public ManifestSource(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"manifest '{path}' does not exist");
        this.path = Path.GetFullPath(path);
        Root = Path.GetDirectoryName(this.path)!;
        var extension = Path.GetExtension(path).ToLowerInvariant();
        jsonLines = extension is ".jsonl" or ".ndjson";
        if (!jsonLines && extension != ".csv") throw new ArgumentException($"'{path}' is neither a .csv nor a .jsonl manifest");
    }

    public string Root { get; }
    public IReadOnlyList<string> ClassNames => [];

    public async IAsyncEnumerable<DatasetItem> EnumerateAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(path);
        string[]? header = null;
        long number = 0;
        var line = 0;
        while (await reader.ReadLineAsync(cancellationToken) is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            if (!jsonLines && header is null)
            {
                header = Csv.Split(text).Select(h => h.Trim().ToLowerInvariant()).ToArray();
                if (!header.Contains("path")) throw new FormatException($"{path}: the CSV header has no 'path' column");
                continue;
            }
            DatasetItem item;
            try
            {
                item = jsonLines ? FromJson(number, text) : FromCsv(number, header!, Csv.Split(text));
            }
            catch (Exception e) when (e is FormatException or JsonException or InvalidOperationException)
            {
                item = new DatasetItem(number, $"line:{line}", "", null, [], null) { Error = $"{Path.GetFileName(path)} line {line}: {e.Message}" };
            }
            number++;
            yield return item;
        }
    }

    private static DatasetItem FromCsv(long number, string[] header, string[] cells)
    {
        if (cells.Length != header.Length) throw new FormatException($"{cells.Length} cells for {header.Length} columns");
        string? Cell(string name) => Array.IndexOf(header, name) is var i and >= 0 && cells[i].Length > 0 ? cells[i] : null;
        var itemPath = Cell("path") ?? throw new FormatException("empty path");
        var boxes = new List<Box>();
        if (Cell("x0") is not null)
            boxes.Add(Box(Cell("x0"), Cell("y0"), Cell("x1"), Cell("y1")));
        return new DatasetItem(number, itemPath.Replace('\\', '/'), itemPath, Cell("label"), boxes, Cell("meta"));
    }

    private static DatasetItem FromJson(long number, string text)
    {
        var node = JsonNode.Parse(text)?.AsObject() ?? throw new FormatException("not a JSON object");
        var itemPath = node["path"]?.GetValue<string>() ?? throw new FormatException("no path");
        var label = node["label"] is { } l ? l.GetValueKind() == JsonValueKind.String ? l.GetValue<string>() : l.ToJsonString() : null;
        var boxes = new List<Box>();
        if (node["boxes"] is JsonArray array)
        {
            foreach (var b in array)
            {
                var v = b!.AsArray().Select(x => x!.GetValue<double>().ToString(CultureInfo.InvariantCulture)).ToArray();
                if (v.Length != 4) throw new FormatException("a box needs 4 numbers");
                boxes.Add(Box(v[0], v[1], v[2], v[3]));
            }
        }
        return new DatasetItem(number, itemPath.Replace('\\', '/'), itemPath, label, boxes, node["meta"]?.ToJsonString());
    }

    private static Box Box(string? x0, string? y0, string? x1, string? y1)
    {
        float Parse(string? s) => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
            ? v : throw new FormatException($"box coordinate '{s}' is not a number");
        var box = new Box(Parse(x0), Parse(y0), Parse(x1), Parse(y1));
        if (box.X1 <= box.X0 || box.Y1 <= box.Y0) throw new FormatException($"box ({box.X0},{box.Y0},{box.X1},{box.Y1}) is empty");
        return box;
    }
}

/// <summary>One CSV record per line (RFC 4180 quoting, no line breaks inside fields).</summary>
internal static class Csv
{
    public static string[] Split(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cell.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        if (quoted) throw new FormatException("unterminated quote");
        cells.Add(cell.ToString());
        return cells.ToArray();
    }
}
