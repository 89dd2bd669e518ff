namespace Cam.Engine.Batches;

/// <summary>
/// One map of one image: for a method, a layer (or "fused") and a class, the class's logit and probability, the
/// map at the layer's resolution (row-major float32, normalised unless raw maps were asked for) and its summary:
/// the peak's row and column and the energy, the mean of the map's non-negative values.
/// </summary>
public sealed record MapResult(
    int ImageIndex,
    string Method,
    string Layer,
    int ClassIndex,
    int Rank,
    float Score,
    float Probability,
    int Height,
    int Width,
    float[] Map,
    int PeakY,
    int PeakX,
    float Energy)
{
    /// <summary>The model's top-1 class for the image.</summary>
    public int PredictedClass { get; init; }
    /// <summary>With ground-truth boxes: whether the map's maximum falls inside one (the pointing game).</summary>
    public bool? PointingHit { get; init; }
    /// <summary>With ground-truth boxes: the share of the map's non-negative mass inside them.</summary>
    public float? EnergyInBox { get; init; }
    /// <summary>Faithfulness metrics, when they were asked for.</summary>
    public MapMetrics? Metrics { get; init; }
}

/// <summary>Per-map faithfulness and localisation metrics; localisation fields are null without ground-truth boxes.</summary>
public sealed record MapMetrics(
    float AverageDrop,
    bool IncreaseInConfidence,
    float DeletionArea,
    float InsertionArea,
    bool? PointingHit,
    float? EnergyInBox)
{
    /// <summary>The class's probability after each deletion step (the first point is the full image).</summary>
    public float[]? DeletionCurve { get; init; }
    /// <summary>The class's probability after each insertion step (the first point is the blank image).</summary>
    public float[]? InsertionCurve { get; init; }
}
