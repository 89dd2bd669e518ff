using System.Text.Json;

namespace Cam.Audit.Strategies;

/// <summary>
/// One cluster's figures, added to map by map in the assignment pass: sums over every map, per-map values over the
/// sampled maps alone (for intervals), and the maps closest to the centre. Memory: the sample and the typical items.
/// </summary>
internal sealed class ClusterAccumulator(double[] centre, int typicalItems)
{
    private readonly PriorityQueue<long, (double Distance, long Item)> typical = new(Comparer<(double Distance, long Item)>.Create((a, b) =>
        b.Distance != a.Distance ? b.Distance.CompareTo(a.Distance) : b.Item.CompareTo(a.Item)));
    private readonly Dictionary<long, double> typicalDistance = [];
    private readonly Dictionary<string, Dictionary<string, long>> meta = new(StringComparer.Ordinal);

    public double[] Centre { get; } = centre;
    public long Size { get; private set; }
    public double[] MapSum { get; } = new double[centre.Length];
    public double BorderSum { get; private set; }
    public (double Sum, long Count) InBox { get; private set; }
    public (long Hits, long Pointed) Pointing { get; private set; }
    public long Correct { get; private set; }
    public long Incorrect { get; private set; }
    public List<double> SampledInBox { get; } = [];
    public List<double> SampledPointing { get; } = [];
    public List<((double X, double Y) Map, (double X, double Y) Object)> SampledGeometry { get; } = [];

    public void Add(StrategyRow row, float[] map, int height, int width, string? metaJson, bool sampled)
    {
        Size++;
        for (var i = 0; i < map.Length; i++) MapSum[i] += map[i];
        BorderSum += StrategyMaps.BorderMass(map, height, width);
        if (row.EnergyInBox is { } inBox)
        {
            InBox = (InBox.Sum + inBox, InBox.Count + 1);
            if (sampled) SampledInBox.Add(inBox);
        }
        if (row.PointingHit is { } hit)
        {
            Pointing = (Pointing.Hits + (hit ? 1 : 0), Pointing.Pointed + 1);
            if (sampled) SampledPointing.Add(hit ? 1 : 0);
        }
        if (row.LabelClass is { } label)
        {
            if (row.PredictedClass == label) Correct++;
            else Incorrect++;
        }
        if (metaJson is not null) CountMeta(metaJson);
        Offer(row.Item, Math.Sqrt(KMeans.Distance2(Array.ConvertAll(map, v => (double)v), Centre)));
    }

    /// <summary>The most typical items: closest to the centre first, ties by item number.</summary>
    public IReadOnlyList<long> TypicalItems() => typical.UnorderedItems.Select(e => e.Element)
        .OrderBy(i => typicalDistance[i]).ThenBy(i => i).ToList();

    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, long>> Meta() => meta.OrderBy(m => m.Key, StringComparer.Ordinal)
        .ToDictionary(m => m.Key, m => (IReadOnlyDictionary<string, long>)new SortedDictionary<string, long>(m.Value, StringComparer.Ordinal));

    private void Offer(long item, double distance)
    {
        if (typicalItems <= 0) return;
        typical.Enqueue(item, (distance, item));
        typicalDistance[item] = distance;
        if (typical.Count > typicalItems) typicalDistance.Remove(typical.Dequeue());
    }

    private void CountMeta(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object) return;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var value = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString()! : property.Value.GetRawText();
                if (!meta.TryGetValue(property.Name, out var counts)) meta[property.Name] = counts = new Dictionary<string,
                    long>(StringComparer.Ordinal);
                if (!counts.ContainsKey(value) && counts.Count >= StrategyOptions.MaxMetaValues) value = "(other)";
                counts[value] = counts.GetValueOrDefault(value) + 1;
            }
        }
        catch (JsonException)
        {
            // Meta is written by the enumerator as a JSON object; anything else is not split.
        }
    }
}
