namespace Cam.Audit;

/// <summary>
/// Two jobs over the same dataset compared item by item (<c>cam diff JOB_A JOB_B</c>): per method and class, how each
/// mean changed from A to B with a paired test, how far the maps moved, and which shortcuts appeared or vanished.
/// </summary>
public sealed record DiffSummary
{
    public required Guid JobA { get; init; }
    public required Guid JobB { get; init; }
    public required string ModelA { get; init; }
    public required string ModelB { get; init; }
    public required string Dataset { get; init; }
    public IReadOnlyList<MethodDiff> Methods { get; init; } = [];
    public IReadOnlyList<ShortcutChange> Shortcuts { get; init; } = [];
    /// <summary>Flagged strategies new, gone or kept in B (<c>cam diff --strategies</c>); null when not asked.</summary>
    public IReadOnlyList<Strategies.StrategyChange>? Strategies { get; init; }
    /// <summary>The <c>--fail-on</c> rules that B breaks; empty when it passes (or none were given).</summary>
    public IReadOnlyList<string> GateFailures { get; init; } = [];
}

/// <summary>One method's changes over the items both jobs explained (matched by item number), overall and per class.</summary>
public sealed record MethodDiff(string Method, string LayerA, string LayerB, long PairedItems, IReadOnlyList<MetricChange> Changes, MapDrift? Drift,
    IReadOnlyList<ClassDiff> Classes);

/// <summary>Changes among the items of one class: labelled with it, or (unlabelled) explained as it by A.</summary>
public sealed record ClassDiff(int ClassIndex, string Label, long Items, IReadOnlyList<MetricChange> Changes, MapDrift? Drift);

/// <summary>
/// A mean in A and in B over the items that have the value in both (<see cref="Pairs"/>), its change B − A, the 95%
/// paired bootstrap interval of the change (items resampled with their pair) and the paired t statistic.
/// <see cref="Significant"/> when the interval leaves out zero.
/// </summary>
public sealed record MetricChange(string Metric, long Pairs, double A, double B, double Delta, Interval? DeltaInterval, double? T)
{
    public bool Significant => DeltaInterval is { } i && (i.Low > 0 || i.High < 0);
}

/// <summary>Mean over items of 1 − Pearson correlation between A's and B's map (0: the same pattern; 1: unrelated; 2: inverted), with its 95%
/// interval.</summary>
public sealed record MapDrift(long Items, double Mean, Interval? Interval);

/// <summary>A shortcut finding present in one job and not the other (<c>new</c> in B, or <c>gone</c>), or in both (<c>kept</c>).</summary>
public sealed record ShortcutChange(string Method, int ClassIndex, string Label, string Region, string Change, string Message);
