using Cam.Storage.Entities;

namespace Cam.Export;

/// <summary>
/// One result as exported: the result's columns with its item's. The reader fills one instance per row and hands
/// it on (no allocation per row); what a writer keeps, it copies.
/// </summary>
public sealed class ResultRecord : ResultValues
{
    public long Item { get; set; }
    public string Path { get; set; } = "";
    public string? Label { get; set; }
    public string? Meta { get; set; }
    /// <summary>The value of each meta key present in every item (<see cref="ExportSource.CommonMetaKeysAsync"/>), as text.</summary>
    public string?[] MetaValues { get; set; } = [];
    public string? ClassName { get; set; }
    public int Rank { get; set; }
    /// <summary>The model's top-1 class, null when unknown (stored as -1).</summary>
    public int? PredictedClass { get; set; }
    /// <summary>The map as stored (<see cref="Storage.MapCodec"/>), in the reader's buffer till the next row.</summary>
    public ReadOnlyMemory<byte> Map { get; set; }
    /// <summary>With <see cref="MapExport.Png"/>: the PNG's path relative to the export folder.</summary>
    public string? MapPng { get; set; }
}

/// <summary>One item or job error as exported.</summary>
public sealed record ErrorRecord(long? Item, string Stage, string? Method, string Message, DateTime At);
