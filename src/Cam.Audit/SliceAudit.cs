namespace Cam.Audit;

/// <summary>The audit per value of one meta key (<c>cam report JOB --by KEY</c>).</summary>
public sealed record SliceAudit(string Key, IReadOnlyList<Slice> Slices)
{
    /// <summary>The slice of items whose meta has no such key.</summary>
    public const string Missing = "(none)";

    public static string Name(string? value) => value ?? Missing;
}

/// <summary>
/// One slice: the items whose meta holds <see cref="Value"/> under the key, with the aggregates, shortcuts and mean
/// maps of the whole audit computed over them alone. <see cref="StandsOut"/> says why it differs from the rest
/// (a shortcut found in it, or a mean whose 95% interval does not meet the rest's); empty when it does not.
/// </summary>
public sealed record Slice(
    string Value,
    long Items,
    double? Accuracy,
    long LabelledItems,
    Interval? AccuracyInterval,
    IReadOnlyList<MethodSummary> Methods,
    IReadOnlyList<ClassSummary> Classes,
    IReadOnlyList<ShortcutFinding> Findings,
    IReadOnlyList<ClassMeanMap> MeanMaps,
    IReadOnlyList<string> StandsOut);
