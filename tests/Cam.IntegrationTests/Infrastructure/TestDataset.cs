using System.Globalization;
using System.Text;
using Cam.Tests.Shared;

namespace Cam.IntegrationTests.Infrastructure;

/// <summary>A data root holding demo images from <c>samples/shapes</c> and a manifest over them, plus optional bad items.</summary>
public sealed class TestDataset : IDisposable
{
    private TestDataset(string root, int goodItems, IReadOnlyList<string> badItems, string manifest = "manifest.csv",
        IReadOnlyList<string?>? expected = null)
    {
        Root = root;
        GoodItems = goodItems;
        BadItems = badItems;
        Manifest = manifest;
        Expected = expected ?? [];
    }

    public string Root { get; }
    public string Manifest { get; }
    /// <summary>For a hostile dataset: per item number, the stage its error must have (null for a good item).</summary>
    public IReadOnlyList<string?> Expected { get; }
    public int GoodItems { get; }
    /// <summary>Paths of the bad items, as written in the manifest.</summary>
    public IReadOnlyList<string> BadItems { get; }
    public int TotalItems => GoodItems + BadItems.Count;

    /// <summary>A data root made elsewhere (an <see cref="ApplicabilityWorkspace"/>'s) with a manifest.csv of <paramref name="items"/> good
    /// items.</summary>
    public static TestDataset Over(string root, int items) => new(root, items, []);

    public static TestDataset Create(int goodItems, bool withBadItems = false)
    {
        var root = Directory.CreateTempSubdirectory("cam-it-data-").FullName;
        var samples = Path.Combine(TestEnvironment.RepositoryRoot, "samples", "shapes");
        // More items than the samples hold: the samples again, in the same order.
        var samplesRows = File.ReadLines(Path.Combine(samples, "manifest.csv")).Skip(1).ToList();
        var rows = Enumerable.Range(0, goodItems).Select(i => samplesRows[i % samplesRows.Count]).ToList();
        Directory.CreateDirectory(Path.Combine(root, "images"));
        var manifest = new StringBuilder("path,label,x0,y0,x1,y1\n");
        foreach (var row in rows)
        {
            var path = row.Split(',')[0];
            if (!File.Exists(Path.Combine(root, path))) File.Copy(Path.Combine(samples, path), Path.Combine(root, path));
            manifest.Append(row).Append('\n');
        }
        var bad = new List<string>();
        if (withBadItems)
        {
            File.WriteAllBytes(Path.Combine(root, "images", "corrupt.png"), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5]);
            bad.AddRange(["images/corrupt.png", "images/missing.png", "../../etc/passwd"]);
            foreach (var path in bad) manifest.Append(CultureInfo.InvariantCulture, $"{path},circle,1,1,20,20\n");
        }
        File.WriteAllText(Path.Combine(root, "manifest.csv"), manifest.ToString());
        return new TestDataset(root, goodItems, bad);
    }

    /// <summary><paramref name="goodItems"/> demo images and a manifest mixing them with one line of each input fault
    /// (<see cref="HostileDataset"/>).</summary>
    public static TestDataset CreateHostile(int goodItems, string format)
    {
        var plain = Create(goodItems);
        var (manifest, expected) = HostileDataset.Write(plain.Root, HostileDataset.GoodRows(Path.Combine(plain.Root, plain.Manifest)), format);
        return new TestDataset(plain.Root, goodItems, [], manifest, expected);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
