namespace Cam.Audit;

/// <summary>An audit of one job: what the report shows, and what <c>--json</c> writes for machines.</summary>
public sealed record AuditSummary
{
    public required Guid JobId { get; init; }
    public required string State { get; init; }
    public required string Dataset { get; init; }
    public required string Model { get; init; }
    public long Items { get; init; }
    public long Succeeded { get; init; }
    public long Failed { get; init; }
    public long Results { get; init; }
    public double? Seconds { get; init; }
    /// <summary>Top-1 accuracy against the items' labels; null without labels.</summary>
    public double? Accuracy { get; init; }
    public long LabelledItems { get; init; }
    /// <summary>95% bootstrap interval of <see cref="Accuracy"/>.</summary>
    public Interval? AccuracyInterval { get; init; }
    public IReadOnlyList<string> ClassLabels { get; init; } = [];
    public IReadOnlyList<MethodSummary> Methods { get; init; } = [];
    public IReadOnlyList<ClassSummary> Classes { get; init; } = [];
    public IReadOnlyList<MetricDistribution> Distributions { get; init; } = [];
    public IReadOnlyList<ShortcutFinding> Findings { get; init; } = [];
    public IReadOnlyList<ClassMeanMap> MeanMaps { get; init; } = [];
    public IReadOnlyList<Gallery> Galleries { get; init; } = [];
    public IReadOnlyDictionary<string, long> ErrorsByStage { get; init; } = new Dictionary<string, long>();
    public IReadOnlyList<ItemError> FirstErrors { get; init; } = [];
    /// <summary>The same audit per value of a meta key (<c>cam report --by KEY</c>); null when not asked.</summary>
    public SliceAudit? Slices { get; init; }
    /// <summary>The cascading randomisation check of the methods (<c>cam report --sanity</c>); null when not asked.</summary>
    public SanityReport? Sanity { get; init; }
    /// <summary>Each class's strategies: its maps clustered (<c>cam report --strategies</c>); null when not asked.</summary>
    public IReadOnlyList<Strategies.ClassStrategies>? Strategies { get; init; }
    public IReadOnlyList<MethodFailure> MethodFailures { get; init; } = [];
    /// <summary>Item labels the model has no class for, with their item counts: left out of <see cref="Accuracy"/>.</summary>
    public IReadOnlyList<Cam.Storage.UnknownLabel> UnknownLabels { get; init; } = [];
}

/// <summary>Means over a method's maps of the explained class (rank 0) at its primary layer.</summary>
public sealed record MethodSummary(
    string Method,
    string Layer,
    long Maps,
    double MeanProbability,
    double MeanEnergy,
    double? PointingGame,
    double? EnergyInBox,
    double? AverageDrop,
    double? IncreaseInConfidence,
    double? DeletionArea,
    double? InsertionArea)
{
    /// <summary>95% bootstrap intervals of the means, keyed by their JSON names (<c>pointingGame</c>, …).</summary>
    public IReadOnlyDictionary<string, Interval> Intervals { get; init; } = new Dictionary<string, Interval>();
}

/// <summary>The same means for one class (the explained class), plus accuracy for the items labelled with it.</summary>
public sealed record ClassSummary(
    string Method,
    int ClassIndex,
    string Label,
    long Maps,
    double MeanProbability,
    double? PointingGame,
    double? EnergyInBox,
    double? AverageDrop,
    double? DeletionArea,
    double? InsertionArea,
    long LabelledItems,
    double? Accuracy)
{
    /// <summary>95% bootstrap intervals of the means and of <c>accuracy</c>, keyed by their JSON names.</summary>
    public IReadOnlyDictionary<string, Interval> Intervals { get; init; } = new Dictionary<string, Interval>();
}

/// <summary>A histogram of one metric for one method, over [0, 1] in <see cref="Counts"/>.Length bins.</summary>
public sealed record MetricDistribution(string Method, string Metric, long[] Counts);

/// <summary>
/// Where a class's maps concentrate compared with the other classes'. The region (3×3 cells around
/// <see cref="PeakY"/>, <see cref="PeakX"/>) is where the class's mean map most exceeds the other classes' mean map;
/// <see cref="RegionMass"/> and <see cref="OtherMass"/> are the share of each mean map's mass inside it,
/// <see cref="PeakShare"/> / <see cref="BaselineShare"/> the share of maps (this class's / the others') peaking in it.
/// </summary>
public sealed record ShortcutFinding(
    string Method,
    int ClassIndex,
    string Label,
    string Region,
    int PeakY,
    int PeakX,
    bool OnBorder,
    double RegionMass,
    double OtherMass,
    double Lift,
    double TStatistic,
    double PeakShare,
    double BaselineShare,
    double? OutsideBox,
    bool Suspicious,
    string Message)
{
    /// <summary>95% bootstrap interval of the class's excess share of mass in the region over the other classes' (per-map shares
    /// resampled).</summary>
    public Interval? ExcessInterval { get; init; }
    /// <summary>95% bootstrap interval of the lift.</summary>
    public Interval? LiftInterval { get; init; }
}

/// <summary>A class's mean map (each map scaled to sum 1 before averaging), row-major.</summary>
public sealed record ClassMeanMap(string Method, int ClassIndex, string Label, int Height, int Width, float[] Values, long Maps);

public sealed record Gallery(string Title, string Description, IReadOnlyList<GalleryItem> Items);

/// <summary>One overlay: the image as the model saw it with the map on top, as a PNG (null when the image could not be read).</summary>
public sealed record GalleryItem(long ItemNumber, string Path, string Method, int ClassIndex, string Label, float Probability, float? EnergyInBox,
    string Caption)
{
    [System.Text.Json.Serialization.JsonIgnore]
    public byte[]? Png { get; init; }
    public string? ImageError { get; init; }
}

public sealed record ItemError(long? ItemNumber, string Stage, string Message);
