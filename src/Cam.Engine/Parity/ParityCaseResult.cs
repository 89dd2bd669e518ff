namespace Cam.Engine.Parity;

/// <summary>The outcome of one fixture case: its comparisons, or the reason it could not be run.</summary>
public sealed record ParityCaseResult(ParityCase Case, string? Method, IReadOnlyList<TensorComparison> Comparisons, double Seconds,
    string? Error = null)
{
    public bool Passed => Error is null && Comparisons.Count > 0 && Comparisons.All(c => c.Passed);

    /// <summary>Why the case failed: the error, or each comparison out of tolerance; null when it passed.</summary>
    public string? Reason => Passed ? null : Error ?? string.Join("; ", Comparisons.Where(c => !c.Passed).Select(Describe));

    private static string Describe(TensorComparison c) => c.Problem is { } problem
        ? $"{c.Name}: {problem}"
        : c.IsRelative
            ? $"{c.Name}: max abs difference {c.MaxAbsDifference:E3} > {c.Tolerance:E1} × {c.Scale:E3}"
            : $"{c.Name}: max abs difference {c.MaxAbsDifference:E3} > {c.Tolerance:E1}";
}
