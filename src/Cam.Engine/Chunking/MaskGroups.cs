namespace Cam.Engine.Chunking;

/// <summary>
/// Which (image, channel) masks need a forward of their own. Masks equal bit for bit within an image share one;
/// all-zero masks, whatever the image, share the zero input's forward, which comes last in the groups.
/// </summary>
internal sealed class MaskGroups
{
    private MaskGroups(List<(int N, int C)> representatives, long[] groupOfRow, bool hasZero)
    {
        Representatives = representatives;
        GroupOfRow = groupOfRow;
        HasZero = hasZero;
    }

    /// <summary>One (image, channel) per group that needs a forward.</summary>
    public IReadOnlyList<(int N, int C)> Representatives { get; }

    /// <summary>For each row n·C + c, its group; the zero group is <see cref="Representatives"/>.Count.</summary>
    public long[] GroupOfRow { get; }

    public bool HasZero { get; }

    public static MaskGroups Distinct(int images, int channels)
    {
        var reps = new List<(int, int)>(images * channels);
        for (var n = 0; n < images; n++)
            for (var c = 0; c < channels; c++) reps.Add((n, c));
        return new MaskGroups(reps, Enumerable.Range(0, images * channels).Select(i => (long)i).ToArray(), false);
    }

    public static MaskGroups Find(Tensor masks)
    {
        var (images, channels) = ((int)masks.shape[0], (int)masks.shape[1]);
        using var cpu = masks.detach().to(ScalarType.Float32, CPU).contiguous();
        var values = cpu.data<float>().ToArray();
        var size = values.Length / Math.Max(images * channels, 1);
        var reps = new List<(int, int)>();
        var groupOfRow = new long[images * channels];
        var zeroRows = new List<int>();
        for (var n = 0; n < images; n++)
        {
            var seen = new Dictionary<int, List<int>>();
            for (var c = 0; c < channels; c++)
            {
                var row = n * channels + c;
                var span = values.AsSpan(row * size, size);
                if (!span.ContainsAnyExcept(0f))
                {
                    zeroRows.Add(row);
                    continue;
                }
                var hash = Hash(span);
                if (!seen.TryGetValue(hash, out var candidates)) seen[hash] = candidates = [];
                var match = -1;
                foreach (var g in candidates)
                {
                    if (!values.AsSpan((reps[g].Item1 * channels + reps[g].Item2) * size, size).SequenceEqual(span)) continue;
                    match = g;
                    break;
                }
                if (match < 0)
                {
                    match = reps.Count;
                    reps.Add((n, c));
                    candidates.Add(match);
                }
                groupOfRow[row] = match;
            }
        }
        foreach (var row in zeroRows) groupOfRow[row] = reps.Count;
        return new MaskGroups(reps, groupOfRow, zeroRows.Count > 0);
    }

    private static int Hash(ReadOnlySpan<float> span)
    {
        var hash = new HashCode();
        hash.AddBytes(System.Runtime.InteropServices.MemoryMarshal.AsBytes(span));
        return hash.ToHashCode();
    }
}
