namespace Cam.Cli.Commands.PipelineBench;

/// <summary>
/// The top of a chart's value axis: the smallest of 1, 2, 2.5, 5 and 10 × 10^⌊log10 v⌋ that is at least v (1 for
/// v ≤ 0). Shared with build/dashboard, which compiles this file in.
/// </summary>
public static class AxisScale
{
    public static double NiceCeiling(double value)
    {
        if (value <= 0) return 1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        foreach (var step in new[] { 1, 2, 2.5, 5, 10 })
            if (step * magnitude >= value) return step * magnitude;
        return 10 * magnitude;
    }
}
