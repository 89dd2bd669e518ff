namespace Cam.Audit.Strategies;

/// <summary>How <c>cam report --strategies</c> samples and clusters each class's maps.</summary>
/// <param name="SampleSize">Maps per class and method clustered (a seeded sample); the rest are assigned to the nearest centre.</param>
/// <param name="TypicalItems">Items per cluster kept for its gallery: those closest to its centre.</param>
public sealed record StrategyOptions(int SampleSize = StrategyOptions.DefaultSampleSize, int Neighbours = 10, int MaxClusters = 10,
    int Seed = 20261206, int TypicalItems = 6)
{
    public const int DefaultSampleSize = 2000;
    /// <summary>Distinct values of a meta key counted per cluster; further values count under "(other)".</summary>
    public const int MaxMetaValues = 24;
}

/// <summary>The strategies of one class under one method: the spectral clustering of its maps and each cluster's figures.</summary>
/// <param name="Sampled">Maps clustered; the other <see cref="Maps"/> − Sampled were assigned to the nearest cluster centre.</param>
/// <param name="Eigenvalues">Leading eigenvalues of the normalised affinity, largest first; the eigengap chose <see cref="K"/>.</param>
public sealed record ClassStrategies(string Method, string Layer, int Class, string Label, long Maps, int Sampled, int K,
    IReadOnlyList<double> Eigenvalues, IReadOnlyList<StrategyCluster> Clusters, int Height, int Width);

/// <summary>
/// One strategy: the maps of a cluster. Figures are over every map assigned to it, except the intervals and the
/// geometry (<see cref="Geometry"/>), which are over its sampled maps.
/// </summary>
/// <param name="BorderMass">Mean share of a map's mass on the outermost ring of cells.</param>
/// <param name="Accuracy">Share of its labelled items predicted right; null without labels.</param>
/// <param name="Meta">Per meta key, how its items split over the key's values (counts).</param>
/// <param name="Items">The most typical items (closest to the centre), most typical first.</param>
public sealed record StrategyCluster(int Id, long Size, double Share, bool Flagged, string Reason, double? EnergyInBox, double? PointingGame,
    Interval? EnergyInBoxInterval, Interval? PointingGameInterval, double BorderMass, long Correct, long Incorrect, double? Accuracy,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Meta, float[] MeanMap, IReadOnlyList<long> Items, StrategyGeometry? Geometry)
{
    /// <summary>The typical items drawn over their images, for the report (not in the JSON: <see cref="Items"/> names them).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public IReadOnlyList<GalleryItem> Gallery { get; init; } = [];
}

/// <summary>
/// Where a cluster's maps sit against its objects (sampled maps with a box and a readable image), in fractions of the
/// model input's side: <see cref="Offset"/> the mean distance from a map's centre of mass to its object's centre;
/// <see cref="Decoupling"/> the spread of the object centres over the spread of the map centres (root mean squared
/// distance to their mean) — about 1 when maps follow their objects, well above 1 when maps stay put while objects move.
/// </summary>
public sealed record StrategyGeometry(int Maps, double Offset, Interval? OffsetInterval, double Decoupling, Interval? DecouplingInterval);
