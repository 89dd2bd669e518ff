namespace Cam.Audit.Strategies;

/// <summary>
/// A seeded sample of at most <c>size</c> items from a stream, the same whatever the stream's order: the items with the
/// smallest hash of (item number, seed) (bottom-k sampling), each kept with its map. Memory: <c>size</c> maps.
/// </summary>
internal sealed class BottomKSample(int size, int seed)
{
    private readonly PriorityQueue<(long Item, float[] Map), ulong> heap = new(Comparer<ulong>.Create((a, b) => b.CompareTo(a)));

    /// <summary>Whether an item with this number would enter the sample (so that its map is only normalised when it does).</summary>
    public bool Wants(long item) => heap.Count < size || heap.TryPeek(out _, out var largest) && Hash(item, seed) < largest;

    public void Add(long item, float[] map)
    {
        var hash = Hash(item, seed);
        if (heap.Count < size) heap.Enqueue((item, map), hash);
        else if (hash < (heap.TryPeek(out _, out var largest) ? largest : ulong.MaxValue)) heap.EnqueueDequeue((item, map), hash);
    }

    /// <summary>The sample, by item number.</summary>
    public List<(long Item, float[] Map)> Items() => heap.UnorderedItems.Select(e => e.Element).OrderBy(e => e.Item).ToList();

    /// <summary>SplitMix64 of the item number and the seed.</summary>
    internal static ulong Hash(long item, int seed)
    {
        var z = unchecked((ulong)item + 0x9E3779B97F4A7C15UL * (ulong)(uint)seed + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
