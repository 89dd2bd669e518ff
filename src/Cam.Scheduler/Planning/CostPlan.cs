using Cam.Contracts;

namespace Cam.Scheduler.Planning;

/// <summary>One method's forwards per item: the explanation's and, with metrics, the metrics' of its maps.</summary>
public sealed record MethodCost(string Method, long ExplainForwards, long MetricForwards)
{
    public long Forwards => ExplainForwards + MetricForwards;
}

/// <summary>
/// What a job will cost before it runs: forwards per item per method, times the items, over the forward rate a
/// worker measured for the model on its device. Backwards count as one forward each. Without a probe answer the
/// rate and times are null.
/// </summary>
public sealed record CostPlan(
    bool Probed,
    long Items,
    IReadOnlyList<MethodCost> Methods,
    IReadOnlyList<LayerShape> Layers,
    int ClassesPerItem,
    long ForwardsPerItem,
    long Forwards,
    double? ForwardsPerSecond,
    string? Device,
    double? DeviceHours,
    int Workers,
    double? WallSeconds)
{
    /// <summary>The plan when no worker answered the probe: the items alone.</summary>
    public static CostPlan Unprobed(long items, int classesPerItem, int workers) =>
        new(false, items, [], [], classesPerItem, 0, 0, null, null, null, workers, null);

    /// <summary>A few lines for a terminal.</summary>
    public IEnumerable<string> Describe()
    {
        if (!Probed)
        {
            yield return $"cost preview: {Items} items; no worker answered the model probe, so no forward count or time estimate";
            yield break;
        }
        yield return $"cost preview: {Items} items × {ForwardsPerItem} forwards = {Forwards:N0} forwards " +
                     $"({string.Join(", ", Layers.Select(l => $"layer {l.Name}: {l.Channels} channels"))}; {ClassesPerItem} " +
                         $"class{(ClassesPerItem == 1 ? "" : "es")} per item)";
        foreach (var m in Methods)
            yield return $"  {m.Method,-16} {m.Forwards,8} forwards per " +
                $"item{(m.MetricForwards > 0 ? $" ({m.ExplainForwards} to explain, {m.MetricForwards} for metrics)" : "")}";
        yield return ForwardsPerSecond is { } rate
            ? $"  at {rate:F1} forwards/s on {Device}: {DeviceHours:F3} device-hours, about {Duration(WallSeconds!.Value)} with {Workers} " +
                $"worker{(Workers == 1 ? "" : "s")}"
            : "  the forward rate was not measured: no time estimate";
    }

    private static string Duration(double seconds) =>
        seconds < 120 ? $"{seconds:F0} s" : seconds < 7200 ? $"{seconds / 60:F1} min" : $"{seconds / 3600:F1} h";
}
