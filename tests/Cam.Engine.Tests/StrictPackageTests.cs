using System.Text.Json.Nodes;
using Cam.Engine.Models;
using Cam.Engine.Packages;
using Cam.Specs;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

public class StrictPackageTests
{
    private static string Builtin => Path.Combine(Fixtures.Dir, "..", "torchscript", "builtin");

    private static string CopyWith(string root, Action<JsonObject> edit)
    {
        var dir = Directory.CreateDirectory(Path.Combine(root, Guid.NewGuid().ToString("N"))).FullName;
        foreach (var f in Directory.GetFiles(Builtin)) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        var json = Path.Combine(dir, "model.json");
        var node = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        edit(node);
        File.WriteAllText(json, node.ToJsonString());
        return dir;
    }

    [Fact]
    public void Misspelt_keys_in_model_json_and_its_preprocess_are_refused_together_naming_the_closest_key()
    {
        var root = Directory.CreateTempSubdirectory("cam-strict-").FullName;
        try
        {
            var dir = CopyWith(root, j =>
            {
                j["tragetLayers"] = j["targetLayers"]!.DeepClone();
                j["preprocess"]!["resizeShoter"] = 256;
                j["preprocess"]!["colour"] = "rgb";
            });
            var message = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(dir)).Message;
            Assert.Contains("unknown key 'tragetLayers' in model.json (did you mean 'targetLayers'?)", message);
            Assert.Contains("unknown key 'resizeShoter' in preprocess (did you mean 'resizeShorter'?)", message);
            Assert.Contains("unknown key 'colour' in preprocess;", message + ";");
            Assert.DoesNotContain("'colour' in preprocess (did you mean", message);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public void Preprocess_options_are_read_and_checked()
    {
        var root = Directory.CreateTempSubdirectory("cam-strict-").FullName;
        try
        {
            var bicubic = CopyWith(root, j =>
            {
                j["preprocess"]!["interpolation"] = "bicubic";
                j["preprocess"]!["resize"] = new JsonArray(70, 80);
                j["preprocess"]!["antialias"] = false;
            });
            var spec = ModelManifestReader.Read(bicubic).Preprocess;
            Assert.Equal(("bicubic", false, (70, 80)), (spec.Filter, spec.IsAntialiased, spec.FixedSize!.Value));
            var lanczos = CopyWith(root, j => j["preprocess"]!["interpolation"] = "lanczos");
            Assert.Contains("interpolation 'lanczos' is not one of bilinear, bicubic, nearest",
                Assert.Throws<ModelPackageException>(() => ModelManifestReader.Read(lanczos)).Message);
            var maxSize = CopyWith(root, j => { j["preprocess"]!["resize"] = 256; j["preprocess"]!["maxSize"] = 200; });
            Assert.Contains("maxSize (200) must be larger than the resize (256)",
                Assert.Throws<ModelPackageException>(() => ModelManifestReader.Read(maxSize)).Message);
        }
        finally
        {
            Directory.Delete(root, true);
        }
    }

    [Fact]
    public void A_state_dict_without_num_batches_tracked_loads_as_pytorch_loads_it()
    {
        using var model = Architectures.Create("resnet18", 10);
        using var reference = Fixtures.ResNet18();
        var state = reference.Module.state_dict().Where(kv => !kv.Key.EndsWith("num_batches_tracked"))
            .ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        Assert.Contains(model.state_dict().Keys, k => k.EndsWith("num_batches_tracked"));
        WeightLoader.Load(model, state, "w.safetensors");
        model.eval();
        using var input = randn(1, 3, 64, 64, generator: manual_seed(3));
        using var expected = reference.Logits(input);
        using var actual = model.call(input);
        Tolerance.Absolute(expected, actual, 1e-5, "logits with the counters left out");
        state.Remove("bn1.running_var");
        var error = Assert.Throws<WeightMismatchException>(() => WeightLoader.Load(model, state, "w.safetensors"));
        Assert.Contains("missing keys: bn1.running_var", error.Message);
        Assert.DoesNotContain("num_batches_tracked", error.Message);
    }
}
