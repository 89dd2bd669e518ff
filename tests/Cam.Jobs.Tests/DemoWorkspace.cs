using Cam.Demo;
using Cam.Engine.Models;

namespace Cam.Jobs.Tests;

/// <summary>A data root with generated shapes (plus bad items appended to the manifest) and a model root with an untrained demo package.</summary>
public sealed class DemoWorkspace : IDisposable
{
    public DemoWorkspace(int images, bool withBadItems = true)
    {
        Root = Directory.CreateTempSubdirectory("cam-jobs-").FullName;
        DataRoot = Directory.CreateDirectory(Path.Combine(Root, "data")).FullName;
        ModelRoot = Directory.CreateDirectory(Path.Combine(Root, "models")).FullName;
        new ShapesGenerator(size: 64, seed: 3).Write(Path.Combine(DataRoot, "shapes"), images);
        GoodItems = images;
        if (withBadItems)
        {
            File.WriteAllBytes(Path.Combine(DataRoot, "shapes", "images", "corrupt.png"), [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3]);
            File.WriteAllText(Path.Combine(Root, "secret.png"), "outside the data root");
            File.AppendAllText(Path.Combine(DataRoot, "shapes", "manifest.csv"),
                "images/corrupt.png,circle,,,,\n../../secret.png,circle,,,,\nimages/missing.png,square,,,,\n");
            BadItems = 3;
        }
        TorchSharp.torch.manual_seed(7);
        using var model = new ShapesNet(ShapesGenerator.Classes.Count);
        ShapesTrainer.WritePackage(model, Path.Combine(ModelRoot, "shapes-model"), ShapesGenerator.Classes);
    }

    public string Root { get; }
    public string DataRoot { get; }
    public string ModelRoot { get; }
    public int GoodItems { get; }
    public int BadItems { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
