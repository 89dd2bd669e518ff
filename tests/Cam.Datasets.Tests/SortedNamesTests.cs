using Cam.Datasets;

namespace Cam.Datasets.Tests;

public class SortedNamesTests
{
    private static List<string> RandomNames(int count, int seed)
    {
        var random = new Random(seed);
        const string alphabet = "abcXYZ019_-. éß\n日本";
        return Enumerable.Range(0, count)
            .Select(i => new string(Enumerable.Range(0, 1 + random.Next(12)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray()) + $"#{i}")
            .ToList();
    }

    private static string[] RunFiles() => Directory.GetFiles(Path.GetTempPath(), "cam-names-*.run");

    [Fact]
    public void Names_beyond_one_run_come_out_in_ordinal_order_holding_at_most_a_run_in_memory()
    {
        var names = RandomNames(2345, seed: 3);
        var sorter = new SortedNames(runLength: 100);
        var sorted = sorter.Sort(names).ToList();
        Assert.Equal(names.Order(StringComparer.Ordinal), sorted);
        Assert.InRange(sorter.PeakHeld, 24, 100); // 24 runs merged; never more than one run's names at once
    }

    [Fact]
    public void Names_that_fit_one_run_are_sorted_in_memory_without_temporary_files()
    {
        var names = RandomNames(50, seed: 4);
        var before = RunFiles().Length;
        var sorter = new SortedNames(runLength: 100);
        using var sorted = sorter.Sort(names).GetEnumerator();
        Assert.True(sorted.MoveNext());
        Assert.Equal(before, RunFiles().Length);
    }

    [Fact]
    public void The_runs_temporary_files_are_deleted_when_enumeration_stops_early()
    {
        var names = RandomNames(1000, seed: 5);
        var sorter = new SortedNames(runLength: 64);
        var mine = new List<string>();
        using (var sorted = sorter.Sort(names).GetEnumerator())
        {
            var before = RunFiles().ToHashSet();
            Assert.True(sorted.MoveNext());
            mine = RunFiles().Where(f => !before.Contains(f)).ToList();
            Assert.Equal(16, mine.Count); // ceil(1000 / 64) runs on disk while merging
        }
        Assert.All(mine, f => Assert.False(File.Exists(f), $"{f} was left behind"));
    }

    [Fact]
    public void A_flat_folder_larger_than_a_run_is_enumerated_in_ordinal_order()
    {
        using var folder = new TempFolder();
        var random = new Random(6);
        var files = Enumerable.Range(0, 300).Select(i => $"{random.Next(100000):D5}-{i}{(i % 2 == 0 ? ".jpg" : ".PNG")}").ToList();
        foreach (var f in files) File.WriteAllBytes(Path.Combine(folder.Path, f), []);
        File.WriteAllText(Path.Combine(folder.Path, "notes.txt"), "not an image");
        var source = new ImageFolderSource(folder.Path, sortRunLength: 32);
        var items = source.EnumerateAsync().ToBlockingEnumerable().ToList();
        Assert.Equal(files.Order(StringComparer.Ordinal), items.Select(i => i.Path));
        Assert.Equal(Enumerable.Range(0, 300).Select(i => (long)i), items.Select(i => i.Number));
        Assert.All(items, i => Assert.Null(i.Label));
    }
}
