using System.Text.Json;
using Cam.Engine.Methods;
using Cam.Engine.Packages;
using Cam.Engine.Tensors;
using Cam.Specs;

namespace Cam.Engine.Tests;

public class ModelPackageTests
{
    private static string Package(string kind) => Path.Combine(Fixtures.Dir, "..", "torchscript", kind);

    [Fact]
    public void TorchScript_from_PyTorch_gives_the_same_logits_and_maps_as_the_same_network_in_CSharp()
    {
        using var scripted = ModelPackage.Load(Package("scripted"));
        using var builtin = ModelPackage.Load(Package("builtin"));
        using var file = SafeTensors.Load(Path.Combine(Fixtures.Dir, "..", "torchscript", "input.safetensors"));
        var input = file["input"];
        using (var logits = scripted.Classifier.Logits(input)) Tolerance.Relative(file["logits"], logits, 1e-4, "TorchScript logits vs PyTorch");
        using (var logits = builtin.Classifier.Logits(input)) Tolerance.Relative(file["logits"], logits, 1e-4, "C# logits vs PyTorch");

        // The gradient methods differentiate through the scripted graph to the activations it returns.
        foreach (var method in new CamMethod[] { new ClassActivationMap(), new ScoreCam(), new GradCam(), new GradCamPlusPlus(),
            new XGradCam(), new LayerCam() })
        {
            using var a = new CamExplainer(scripted.Classifier, method, ["features"]).Explain(input, ClassSelection.Top(2));
            using var b = new CamExplainer(builtin.Classifier, method, ["features"]).Explain(input, ClassSelection.Top(2));
            Assert.Equal(b.Classes, a.Classes);
            Tolerance.Absolute(b.Maps[0], a.Maps[0], 1e-4, $"{method.Name}: TorchScript vs C#");
        }
        Assert.Equal("features", scripted.Classifier.LocateCandidateLayer([3, 64, 64]));
        Assert.Equal("model.fc", scripted.Classifier.LinearWeights(null).Name);
    }

    [Fact]
    public void Bad_packages_fail_at_load_with_one_clear_message()
    {
        var root = Directory.CreateTempSubdirectory("cam-pkg-").FullName;
        try
        {
            string Copy(string name, Action<System.Text.Json.Nodes.JsonObject> edit)
            {
                var dir = Directory.CreateDirectory(Path.Combine(root, name)).FullName;
                foreach (var f in Directory.GetFiles(Package("builtin"))) File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
                var json = Path.Combine(dir, "model.json");
                var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(json))!.AsObject();
                edit(node);
                File.WriteAllText(json, node.ToJsonString());
                return dir;
            }
            var wrongClasses = Copy("classes", j => { j["numClasses"] = 4; j["labels"]!.AsArray().RemoveAt(0); });
            Assert.Contains("fc.weight", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(wrongClasses)).Message);
            var labels = Copy("labels", j => j["labels"]!.AsArray().RemoveAt(0));
            Assert.Contains("4 labels for 5 classes", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(labels)).Message);
            var missing = Copy("missing", j => j["file"] = "nothing.safetensors");
            Assert.Contains("nothing.safetensors", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(missing)).Message);
            var arch = Copy("arch", j => j["architecture"] = "lenet");
            Assert.Contains("unknown architecture 'lenet'", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(arch)).Message);
            var layer = Copy("layer", j => j["targetLayers"] = new System.Text.Json.Nodes.JsonArray("layer4"));
            Assert.Contains("layer4", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(layer)).Message);
            Assert.Contains("no model.json", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(root)).Message);
            // A null inside a list is refused by name, not met later as a NullReferenceException.
            var nullLabel = Copy("null-label", j => j["labels"]!.AsArray()[0] = null);
            Assert.Contains("labels must be strings", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(nullLabel)).Message);
            var nullLayer = Copy("null-layer", j => j["targetLayers"] = new System.Text.Json.Nodes.JsonArray((System.Text.Json.Nodes.JsonNode?)null));
            Assert.Contains("targetLayers must be layer names", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(nullLayer)).Message);
            var nullOutput = Copy("null-output", j => j["outputs"] = new System.Text.Json.Nodes.JsonArray((System.Text.Json.Nodes.JsonNode?)null));
            Assert.Contains("outputs must be names", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(nullOutput)).Message);

            // model.json's file must stay inside the package: by a relative path, an absolute one, or a symbolic link.
            var escape = Copy("escape", j => j["file"] = "../missing/weights.safetensors");
            Assert.Contains("outside the model package", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(escape)).Message);
            var absolute = Copy("absolute", j => j["file"] = Path.Combine(missing, "weights.safetensors"));
            Assert.Contains("outside the model package", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(absolute)).Message);
            var linked = Copy("linked", j => j["file"] = "link.safetensors");
            File.CreateSymbolicLink(Path.Combine(linked, "link.safetensors"), Path.Combine(missing, "weights.safetensors"));
            Assert.Contains("through a symbolic link", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(linked)).Message);
            var inside = Copy("inside", j => j["file"] = "link.safetensors");
            File.CreateSymbolicLink(Path.Combine(inside, "link.safetensors"), "weights.safetensors");
            using (ModelPackage.Load(inside)) { }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Outputs_are_names_or_objects_declaring_tokens()
    {
        const string json = """
            { "format": "torchscript", "file": "model.pt", "numClasses": 2,
              "outputs": ["features", { "name": "blocks.11.norm1", "tokens": { "prefix": 5, "patch": 14 } },
                          { "name": "head_in", "tokens": { "prefix": 1 } }] }
            """;
        var manifest = JsonSerializer.Deserialize<ModelManifest>(json, ModelManifest.Json)!;
        Assert.Equal(
            [new ModelOutput("features"), new ModelOutput("blocks.11.norm1", new TokenLayout { Prefix = 5, Patch = 14 }),
                new ModelOutput("head_in", new TokenLayout { Prefix = 1 })],
            manifest.Outputs);
        var written = JsonSerializer.Serialize(manifest, ModelManifest.Json);
        Assert.Equal(manifest.Outputs, JsonSerializer.Deserialize<ModelManifest>(written, ModelManifest.Json)!.Outputs);
        Assert.Contains("\"features\"", written.Replace(" ", "").Replace("\n", ""));
    }

    [Fact]
    public void Bad_token_declarations_fail_at_load_naming_the_output()
    {
        var root = Directory.CreateTempSubdirectory("cam-pkg-").FullName;
        try
        {
            void Write(string outputs) => File.WriteAllText(Path.Combine(root, "model.json"),
                $$"""{ "format": "torchscript", "file": "model.pt", "numClasses": 2, "outputs": {{outputs}} }""");
            Write("""[{ "name": "x", "tokens": { "prefix": -1 } }]""");
            var negative = Assert.Throws<ModelPackageException>(() => ModelManifestReader.Read(root)).Message;
            Assert.Contains("output 'x'", negative);
            Assert.Contains("prefix", negative);
            Write("""[{ "tokens": { "prefix": 1 } }]""");
            Assert.Contains("needs a name", Assert.Throws<ModelPackageException>(() => ModelManifestReader.Read(root)).Message);
            Write("""[3]""");
            Assert.Contains("is not valid", Assert.Throws<ModelPackageException>(() => ModelManifestReader.Read(root)).Message);
            Write("""["x", { "name": "x", "tokens": { "prefix": 1 } }]""");
            Assert.Contains("'x' is named twice", Assert.Throws<ModelPackageException>(() => ModelManifestReader.Read(root)).Message);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void A_model_that_takes_one_input_size_fails_at_load_when_the_package_does_not_crop_to_it()
    {
        var root = Directory.CreateTempSubdirectory("cam-pkg-").FullName;
        try
        {
            foreach (var f in Directory.GetFiles(ModernArchitectureTests.Modern("vit_scripted"))) File.Copy(f,
                Path.Combine(root, Path.GetFileName(f)));
            var json = Path.Combine(root, "model.json");
            var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(json))!.AsObject();
            node["preprocess"]!.AsObject().Remove("centerCrop");
            File.WriteAllText(json, node.ToJsonString());
            var error = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(root)).Message;
            Assert.Contains("(1, 3, 64, 64)", error);
            Assert.Contains("centerCrop", error);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
