namespace Cam.Engine.Parity;

/// <summary>
/// One expected tensor against the computed one: the largest absolute difference and the error it is judged by
/// (that difference itself, or divided by the largest magnitude of the expected tensor).
/// </summary>
public sealed record TensorComparison(string Name, bool IsRelative, double MaxAbsDifference, double Scale, double Tolerance, string? Problem = null)
{
    /// <summary>The figure compared with the tolerance.</summary>
    public double Error => IsRelative ? MaxAbsDifference / Scale : MaxAbsDifference;

    /// <summary>False for a shape mismatch, NaNs, or an error above the tolerance.</summary>
    public bool Passed => Problem is null && Error <= Tolerance;

    public static TensorComparison Absolute(string name, Tensor expected, Tensor actual, double tolerance) =>
        Compare(name, expected, actual, tolerance, relative: false);

    public static TensorComparison Relative(string name, Tensor expected, Tensor actual, double tolerance) =>
        Compare(name, expected, actual, tolerance, relative: true);

    private static TensorComparison Compare(string name, Tensor expected, Tensor actual, double tolerance, bool relative)
    {
        using var scope = NewDisposeScope();
        if (!expected.shape.SequenceEqual(actual.shape))
            return new TensorComparison(name, relative, double.NaN, double.NaN, tolerance,
                $"shape ({string.Join(", ", actual.shape)}) differs from the expected ({string.Join(", ", expected.shape)})");
        var e = expected.detach().cpu().to(ScalarType.Float64);
        var a = actual.detach().cpu().to(ScalarType.Float64);
        var difference = (e - a).abs().max().item<double>();
        var scale = relative ? e.abs().max().item<double>() : 1.0;
        return new TensorComparison(name, relative, difference, scale, tolerance);
    }
}
