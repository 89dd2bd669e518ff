using System.Text.Json;

namespace Cam.Engine.Parity;

/// <summary>
/// One entry of a fixture index (index.json, index-gradient.json): an explanation case, whose safetensors file
/// <c>DIR/&lt;case&gt;.safetensors</c> holds the input, the expected outputs and the metadata that say how to run it,
/// or a layer-location case (<c>candidate_layer</c>, <c>linear_layer</c>).
/// </summary>
public sealed record ParityCase(string Name, string IndexFile, IReadOnlyDictionary<string, JsonElement> Entry)
{
    public string Directory => Path.GetDirectoryName(IndexFile)!;

    public bool IsLocate => Entry.ContainsKey("candidate_layer");

    public string CaseFile => Path.Combine(Directory, Name + ".safetensors");

    public string? Text(string key) => Entry.TryGetValue(key, out var value)
        ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText()
        : null;

    /// <summary>Every case of every <c>index*.json</c> in each folder, in folder, file and listing order.</summary>
    public static IReadOnlyList<ParityCase> Load(IEnumerable<string> fixtureDirectories)
    {
        var cases = new List<ParityCase>();
        foreach (var directory in fixtureDirectories)
        {
            if (!System.IO.Directory.Exists(directory))
                throw new DirectoryNotFoundException($"fixture folder '{directory}' does not exist");
            var indexes = System.IO.Directory.GetFiles(directory, "index*.json").Order(StringComparer.Ordinal).ToList();
            if (indexes.Count == 0)
                throw new ArgumentException($"fixture folder '{directory}' has no index*.json");
            foreach (var index in indexes)
            {
                List<Dictionary<string, JsonElement>> entries;
                try
                {
                    entries = JsonSerializer.Deserialize<List<Dictionary<string, JsonElement>>>(File.ReadAllText(index))
                              ?? throw new FormatException("empty index");
                }
                catch (JsonException e)
                {
                    throw new FormatException($"{index} is not a JSON list of cases: {e.Message}");
                }
                for (var i = 0; i < entries.Count; i++)
                {
                    var name = entries[i].TryGetValue("case", out var c) && c.ValueKind == JsonValueKind.String
                        ? c.GetString()! : $"#{i}";
                    cases.Add(new ParityCase(name, Path.GetFullPath(index), entries[i]));
                }
            }
        }
        return cases;
    }
}
