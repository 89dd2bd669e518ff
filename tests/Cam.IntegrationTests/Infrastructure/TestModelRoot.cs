using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace Cam.IntegrationTests.Infrastructure;

/// <summary>A model root of its own holding copies of the demo package, which a test may then damage.</summary>
public sealed class TestModelRoot : IDisposable
{
    private static readonly string Demo = Path.Combine(TestEnvironment.RepositoryRoot, "samples", "shapes-model");

    public TestModelRoot()
    {
        Root = Directory.CreateTempSubdirectory("cam-it-models-").FullName;
    }

    public string Root { get; }

    /// <summary>Copies the demo package to <paramref name="name"/>; returns its folder.</summary>
    public string AddDemo(string name)
    {
        var folder = Directory.CreateDirectory(Path.Combine(Root, name)).FullName;
        foreach (var file in Directory.EnumerateFiles(Demo)) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        return folder;
    }

    /// <summary>Rewrites <c>model.json</c> of a package through <paramref name="change"/>.</summary>
    public void EditManifest(string name, Action<JsonObject> change)
    {
        var path = Path.Combine(Root, name, "model.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        change(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
    }

    /// <summary>Rewrites the JSON header of a package's safetensors file through <paramref name="change"/>, keeping the tensor data.</summary>
    public void EditWeightsHeader(string name, Action<JsonObject> change)
    {
        var path = Path.Combine(Root, name, "weights.safetensors");
        var bytes = File.ReadAllBytes(path);
        var length = (int)BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var header = JsonNode.Parse(bytes.AsSpan(8, length))!.AsObject();
        change(header);
        var newHeader = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var output = File.Create(path);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(prefix, newHeader.Length);
        output.Write(prefix);
        output.Write(newHeader);
        output.Write(bytes.AsSpan(8 + length));
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
