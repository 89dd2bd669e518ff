namespace Cam.Export;

/// <summary>The file format of an export's tables.</summary>
public enum ExportFormat
{
    Parquet,
    Csv,
}

/// <summary>What an export carries of each map: nothing, its values (a <c>list&lt;float&gt;</c> column), or a PNG file.</summary>
public enum MapExport
{
    None,
    Values,
    Png,
}

/// <summary>How <see cref="JobExporter"/> writes a job.</summary>
public sealed record ExportOptions
{
    public ExportFormat Format { get; init; } = ExportFormat.Parquet;
    public MapExport Maps { get; init; } = MapExport.Values;
    /// <summary>Rows per Parquet row group: what the export holds in memory at once (with the map values' cap).</summary>
    public int RowGroupRows { get; init; } = 65_536;
    /// <summary>
    /// Map values per row group at most (21,399 rows of 7×7 maps), so that memory stays bounded whatever the maps'
    /// size: encoding a row group's maps takes about 46 bytes per value (the two sets of buffers, the levels, Parquet's
    /// encoded, levelled and compressed copies), 48 MB here, where 8M values (the earlier cap) needed 370 MB.
    /// </summary>
    public int RowGroupMapValues { get; init; } = 1024 * 1024;
    /// <summary>The folder the job's model path is relative to: class names come from its <c>model.json</c> labels.</summary>
    public string ModelRoot { get; init; } = Directory.GetCurrentDirectory();

    /// <summary>Parses the CLI's and API's spelling (<c>parquet</c>, <c>csv</c>); anything else is an error naming it.</summary>
    public static ExportFormat ParseFormat(string text) => text switch
    {
        "parquet" => ExportFormat.Parquet,
        "csv" => ExportFormat.Csv,
        _ => throw new ArgumentException($"format '{text}' is not one of parquet, csv"),
    };

    /// <summary>Parses <c>none</c>, <c>values</c>, <c>png</c>; anything else is an error naming it.</summary>
    public static MapExport ParseMaps(string text) => text switch
    {
        "none" => MapExport.None,
        "values" => MapExport.Values,
        "png" => MapExport.Png,
        _ => throw new ArgumentException($"maps '{text}' is not one of none, values, png"),
    };
}
