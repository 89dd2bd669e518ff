using System.Text;

namespace Cam.Cli.Commands.PipelineBench;

/// <summary>
/// What a pipeline benchmark submits: an N-line CSV manifest (paths that need not exist: the no-op workers read no
/// image) under <c>data/</c>, and a model package under <c>models/</c> that passes the scheduler's checks at
/// submission (a TorchScript package is only checked to exist; no-op workers never load it).
/// </summary>
public static class BenchWorkload
{
    public const string Manifest = "bench/manifest.csv";
    public const string Model = "bench-model";

    public static void Write(string dataRoot, string modelRoot, long items, int numClasses = 10)
    {
        var manifest = Path.Combine(dataRoot, Manifest);
        Directory.CreateDirectory(Path.GetDirectoryName(manifest)!);
        using (var writer = new StreamWriter(manifest, false, new UTF8Encoding(false), 1 << 20))
        {
            writer.Write("path,label\n");
            for (long i = 0; i < items; i++)
            {
                writer.Write("images/");
                writer.Write(i.ToString("D8"));
                writer.Write(".jpg,class");
                writer.Write(i % numClasses);
                writer.Write('\n');
            }
        }
        var model = Path.Combine(modelRoot, Model);
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, "model.json"),
            $$"""{ "format": "torchscript", "file": "model.pt", "numClasses": {{numClasses}}, "outputs": ["features"] }""");
        File.WriteAllBytes(Path.Combine(model, "model.pt"), []);
    }
}
