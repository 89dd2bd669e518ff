using System.Text.Json;

namespace Cam.Datasets;

/// <summary>
/// A manifest: CSV with a header (<c>path</c>, optional <c>label</c>, optional box <c>x0,y0,x1,y1</c> in pixels,
/// optional <c>meta</c>), or JSON Lines (<c>{"path":…, "label":…, "boxes":[[x0,y0,x1,y1],…], "meta":{…}}</c>).
/// Paths are relative to the manifest's folder. Read line by line; a malformed row becomes an item with its error
/// (<see cref="ItemChecks"/>) and enumeration goes on.
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

    /// <summary>Longest manifest line read; a longer one is that item's error.</summary>
    public const int MaxLineChars = 1 << 20;

    public async IAsyncEnumerable<DatasetItem> EnumerateAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(path);
        var lines = new ManifestLineReader(reader, MaxLineChars);
        string[]? header = null;
        long number = 0;
        while (await lines.ReadAsync(cancellationToken) is { } line)
        {
            if (!line.TooLong && string.IsNullOrWhiteSpace(line.Text)) continue;
            if (!jsonLines && header is null)
            {
                header = line.TooLong ? [] : Csv.Split(line.Text).Select(h => h.Trim().ToLowerInvariant()).ToArray();
                if (!header.Contains("path")) throw new FormatException($"{path}: the CSV header has no 'path' column");
                continue;
            }
            yield return Describe(number++, line, header);
        }
    }

    /// <summary>The item of one line; whatever is wrong with the line is its error, never an exception.</summary>
    private DatasetItem Describe(long number, ManifestLine line, string[]? header)
    {
        string Where(string reason) => $"{Path.GetFileName(path)} line {line.Number}: {reason}";
        DatasetItem Failed(string id, string reason) => new(number, id, id, null, [], null) { Error = Where(reason) };
        if (line.TooLong) return Failed($"line:{line.Number}", $"longer than {MaxLineChars} characters");
        ManifestRow row;
        try
        {
            row = jsonLines ? ManifestRow.FromJson(line.Text, ItemChecks.MaxBoxes) : ManifestRow.FromCsv(header!, line.Text);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return Failed($"line:{line.Number}", StorableText.Escape(e.Message));
        }
        catch (Exception e)
        {
            // Parsing one line touches nothing but the line: whatever it throws is that line's fault.
            return Failed($"line:{line.Number}", $"unreadable ({e.GetType().Name}: {StorableText.Escape(e.Message)})");
        }
        var id = StorableText.Escape(row.Path.Replace('\\', '/'), ItemChecks.MaxPathLength);
        var label = row.Label is null ? null : StorableText.Escape(row.Label, ItemChecks.MaxLabelLength);
        var stored = new DatasetItem(number, id, StorableText.Escape(row.Path, ItemChecks.MaxPathLength), label, [], row.Meta);
        if ((ItemChecks.PathProblem(row.Path) ?? ItemChecks.LabelProblem(row.Label)) is { } problem) return stored with { Error = Where(problem) };
        if (row.Boxes.Count > ItemChecks.MaxBoxes)
        {
            var error = Where($"{row.Boxes.Count} boxes, more than the {ItemChecks.MaxBoxes} an item may have");
            return stored with { Error = error };
        }
        try
        {
            return stored with { Boxes = row.Boxes.Select(ItemChecks.ToBox).ToList() };
        }
        catch (FormatException e)
        {
            return stored with { Error = Where(e.Message) };
        }
    }
}
