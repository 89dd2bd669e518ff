using Cam.Engine.Methods;
using Cam.Engine.Packages;
using Cam.Engine.Tensors;

namespace Cam.Engine.Tests;

public class ModelPackageTests
{
    private static string Package(string kind) => Path.Combine(Fixtures.Dir, "..", "torchscript", kind);

    [Fact]
    public void TorchScriptFromPyTorchGivesTheSameLogitsAndMapsAsTheSameNetworkInCSharp()
    {
        using var scripted = ModelPackage.Load(Package("scripted"));
        using var builtin = ModelPackage.Load(Package("builtin"));
        using var file = SafeTensors.Load(Path.Combine(Fixtures.Dir, "..", "torchscript", "input.safetensors"));
        var input = file["input"];
        using (var logits = scripted.Classifier.Logits(input)) Tolerance.Relative(file["logits"], logits, 1e-4, "TorchScript logits vs PyTorch");
        using (var logits = builtin.Classifier.Logits(input)) Tolerance.Relative(file["logits"], logits, 1e-4, "C# logits vs PyTorch");

        // The gradient methods differentiate through the scripted graph to the activations it returns.
        foreach (var method in new CamMethod[] { new ClassActivationMap(), new ScoreCam(), new GradCam(), new GradCamPlusPlus(), new XGradCam(), new LayerCam() })
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
    public void BadPackagesFailAtLoadWithOneClearMessage()
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
}
