namespace Cam.Storage.Entities;

/// <summary>
/// What a stored result says of its map, alike in the table (<see cref="ResultRow"/>) and in an export: the method,
/// layer and class it explains, the class's score, the map's size, peak and energy, and the audit's measures.
/// </summary>
public abstract class ResultValues
{
    public string Method { get; set; } = "";
    public string Layer { get; set; } = "";
    public int ClassIndex { get; set; }
    public float Score { get; set; }
    public float Probability { get; set; }
    public int MapHeight { get; set; }
    public int MapWidth { get; set; }
    public int PeakY { get; set; }
    public int PeakX { get; set; }
    public float Energy { get; set; }
    /// <summary>Faithfulness and localisation metrics as JSON, when computed.</summary>
    public string? Metrics { get; set; }
    /// <summary>The item's label as a class index, when it has one the model knows.</summary>
    public int? LabelClass { get; set; }
    public bool? PointingHit { get; set; }
    public float? EnergyInBox { get; set; }
    public float? AverageDrop { get; set; }
    public bool? IncreaseInConfidence { get; set; }
    public float? DeletionArea { get; set; }
    public float? InsertionArea { get; set; }
}
