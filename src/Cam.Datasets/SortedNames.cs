namespace Cam.Datasets;

/// <summary>
/// Names in ordinal order with a bounded memory: an external merge sort. Names are read in runs of at most
/// <see cref="RunLength"/>; a source that fits in one run is sorted in memory, a larger one is written as sorted
/// runs to temporary files (length-prefixed, so any character of a file name survives) and merged, holding one name
/// per run. A flat folder of ten million images costs a few runs' worth of memory instead of every name at once.
/// </summary>
public sealed class SortedNames(int runLength = SortedNames.DefaultRunLength)
{
    public const int DefaultRunLength = 100_000;

    public int RunLength { get; } = runLength > 0 ? runLength : throw new ArgumentOutOfRangeException(nameof(runLength));

    /// <summary>The most names held in memory at once by the last <see cref="Sort"/> (for tests of the bound).</summary>
    public int PeakHeld { get; private set; }

    public IEnumerable<string> Sort(IEnumerable<string> names)
    {
        PeakHeld = 0;
        var runs = new List<string>();
        try
        {
            var run = new List<string>(Math.Min(RunLength, 4096));
            foreach (var name in names)
            {
                run.Add(name);
                PeakHeld = Math.Max(PeakHeld, run.Count);
                if (run.Count < RunLength) continue;
                runs.Add(WriteRun(run));
                run.Clear();
            }
            run.Sort(StringComparer.Ordinal);
            if (runs.Count == 0)
            {
                foreach (var name in run) yield return name;
                yield break;
            }
            if (run.Count > 0) runs.Add(WriteRun(run));
            run = null;
            foreach (var name in Merge(runs)) yield return name;
        }
        finally
        {
            foreach (var file in runs) File.Delete(file);
        }
    }

    private static string WriteRun(List<string> run)
    {
        run.Sort(StringComparer.Ordinal);
        var file = Path.Combine(Path.GetTempPath(), $"cam-names-{Guid.NewGuid():N}.run");
        using var writer = new BinaryWriter(new FileStream(file, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16));
        foreach (var name in run) writer.Write(name);
        return file;
    }

    private IEnumerable<string> Merge(IReadOnlyList<string> files)
    {
        var readers = files.Select(f => new BinaryReader(new FileStream(f, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))).ToList();
        try
        {
            var heads = new PriorityQueue<int, string>(StringComparer.Ordinal);
            for (var i = 0; i < readers.Count; i++)
                if (Next(readers[i]) is { } first) heads.Enqueue(i, first);
            PeakHeld = Math.Max(PeakHeld, heads.Count);
            while (heads.TryDequeue(out var reader, out var name))
            {
                yield return name;
                if (Next(readers[reader]) is { } next) heads.Enqueue(reader, next);
            }
        }
        finally
        {
            foreach (var reader in readers) reader.Dispose();
        }
    }

    private static string? Next(BinaryReader reader) => reader.BaseStream.Position < reader.BaseStream.Length ? reader.ReadString() : null;
}
