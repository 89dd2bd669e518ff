using System.Text;
using SkiaSharp;

namespace Cam.Tests.Shared;

/// <summary>
/// A data root with the first demo images and, last, one plain white image (the one the <c>linear-head</c> fixture
/// cuts its gradient graph for), and a model root with the TorchScript packages made by
/// <c>tests/Fixtures/applicability/make_applicability.py</c>. Linked into the test projects that need it.
/// </summary>
public sealed class ApplicabilityWorkspace : IDisposable
{
    public const string Manifest = "manifest.csv";
    public const string WhiteImage = "images/white.png";

    public ApplicabilityWorkspace(int demoImages)
    {
        Root = Directory.CreateTempSubdirectory("cam-applicability-").FullName;
        DataRoot = Directory.CreateDirectory(System.IO.Path.Combine(Root, "data")).FullName;
        ModelRoot = Directory.CreateDirectory(System.IO.Path.Combine(Root, "models")).FullName;
        var samples = System.IO.Path.Combine(RepositoryRoot.Path, "samples", "shapes");
        Directory.CreateDirectory(System.IO.Path.Combine(DataRoot, "images"));
        var manifest = new StringBuilder("path,label,x0,y0,x1,y1\n");
        foreach (var row in File.ReadLines(System.IO.Path.Combine(samples, "manifest.csv")).Skip(1).Take(demoImages))
        {
            var path = row.Split(',')[0];
            File.Copy(System.IO.Path.Combine(samples, path), System.IO.Path.Combine(DataRoot, path));
            manifest.Append(row).Append('\n');
        }
        using (var white = new SKBitmap(128, 128))
        {
            white.Erase(SKColors.White);
            using var png = white.Encode(SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(System.IO.Path.Combine(DataRoot, WhiteImage), png.ToArray());
        }
        manifest.Append(WhiteImage).Append(",square,10,10,100,100\n");
        File.WriteAllText(System.IO.Path.Combine(DataRoot, Manifest), manifest.ToString());
        Items = demoImages + 1;
        var fixtures = System.IO.Path.Combine(RepositoryRoot.Path, "tests", "Fixtures", "applicability");
        foreach (var package in Directory.GetDirectories(fixtures))
        {
            var target = Directory.CreateDirectory(System.IO.Path.Combine(ModelRoot, System.IO.Path.GetFileName(package))).FullName;
            foreach (var file in Directory.GetFiles(package)) File.Copy(file, System.IO.Path.Combine(target, System.IO.Path.GetFileName(file)));
        }
    }

    public string Root { get; }
    public string DataRoot { get; }
    public string ModelRoot { get; }
    /// <summary>Items in the manifest; the white image is the last (item number Items − 1).</summary>
    public int Items { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
