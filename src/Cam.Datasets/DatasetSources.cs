namespace Cam.Datasets;

public static class DatasetSources
{
    /// <summary>A folder → image folder; <c>.csv</c> → CSV manifest; <c>.jsonl</c>/<c>.ndjson</c> → JSON Lines manifest.</summary>
    public static IDatasetSource Open(string path)
    {
        if (Directory.Exists(path)) return new ImageFolderSource(path);
        if (File.Exists(path)) return new ManifestSource(path);
        throw new FileNotFoundException($"dataset '{path}' does not exist");
    }
}
