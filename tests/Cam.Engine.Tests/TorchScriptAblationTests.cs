using Cam.Contracts;
using Cam.Engine.Applicability;
using Cam.Engine.Methods;
using Cam.Engine.Packages;
using Cam.Specs;

namespace Cam.Engine.Tests;

/// <summary>
/// Ablation-CAM on a TorchScript package whose model.json names a <c>forwardWith</c> method for an output
/// (Fixtures/torchscript/make_forward_with.py): the whole model run with that output replaced by each ablated copy,
/// against the same network built in (its weights are the same).
/// </summary>
public class TorchScriptAblationTests
{
    private static string Package(string kind) => Path.Combine(Fixtures.Dir, "..", "torchscript", kind);

    [Theory]
    [InlineData("features.7", 64)]
    [InlineData("features", 128)]
    public void ablation_cam_through_forward_with_gives_the_built_in_networks_maps_a_forward_per_channel(
        string layer, int channels)
    {
        using var scripted = ModelPackage.Load(Package("forward_with"));
        using var builtin = ModelPackage.Load(Package("builtin"));
        var input = DeterministicWeights.Image("ablation.torchscript", [2, 3, 64, 80]);
        var classes = ClassSelection.PerImage([[1, 3], [4, 0]]);
        using var ours = new CamExplainer(builtin.Classifier, new AblationCam(closedForm: false), [layer])
            .Explain(input, classes);
        using var theirs = new CamExplainer(scripted.Classifier, CamMethods.Create("ablationcam"), [layer])
            .Explain(input, classes);
        Tolerance.Absolute(ours.Maps[0], theirs.Maps[0], 1e-4, $"TorchScript vs built-in Ablation-CAM at {layer}");
        Assert.Equal(2L * channels, theirs.Stats.MaskedForwards);
        // with a target the ablated copies are scored as it says: softmax maps differ from the logit's
        var softmax = new MethodOptions { Target = ScoreTarget.Softmax };
        using var probabilities = new CamExplainer(scripted.Classifier, CamMethods.Create("ablationcam", softmax),
            [layer]).Explain(input, classes);
        using var builtinProbabilities = new CamExplainer(builtin.Classifier, CamMethods.Create("ablationcam", softmax),
            [layer]).Explain(input, classes);
        Tolerance.Absolute(builtinProbabilities.Maps[0], probabilities.Maps[0], 1e-4, $"softmax target at {layer}");
        Assert.True((probabilities.Maps[0] - theirs.Maps[0]).abs().max().item<float>() > 1e-3,
            "the softmax's maps differ from the logit's");
    }

    [Fact]
    public void the_probe_lets_ablation_cam_apply_to_outputs_with_a_forward_with_method_a_forward_per_channel()
    {
        using var scripted = ModelPackage.Load(Package("forward_with"));
        MethodSpec[] methods = [new("ablationcam"), new("fullgrad")];
        var verdicts = ModelProbe.Run(scripted, methods, ["features.7", "features"], 64, 64, measureRate: false);
        var ablation = verdicts.Methods.Single(m => m.Method == "ablationcam");
        Assert.True(ablation.Applicable, ablation.Reason);
        Assert.Equal(1, ablation.Samples);
        Assert.Equal([64L, 128], verdicts.Layers.Select(l => l.Channels));
        // FullGrad needs every bias layer's output gradient, which no TorchScript package returns
        var fullgrad = verdicts.Methods.Single(m => m.Method == "fullgrad");
        Assert.False(fullgrad.Applicable);
        Assert.Contains("TorchScript", fullgrad.Reason);
    }

    [Fact]
    public void a_forward_with_method_the_module_lacks_fails_the_package_at_load_naming_it()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"cam-forward-with-{Guid.NewGuid():N}");
        Directory.CreateDirectory(copy);
        try
        {
            File.Copy(Path.Combine(Package("forward_with"), "model.pt"), Path.Combine(copy, "model.pt"));
            var json = File.ReadAllText(Path.Combine(Package("forward_with"), "model.json"))
                .Replace("\"with_mid\"", "\"with_middle\"");
            File.WriteAllText(Path.Combine(copy, "model.json"), json);
            var error = Assert.Throws<ModelPackageException>(() => ModelPackage.Load(copy));
            Assert.Contains("with_middle", error.Message);
            Assert.Contains("features.7", error.Message);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Fact]
    public void model_json_refuses_an_empty_forward_with_and_one_on_a_token_output()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"cam-forward-with-{Guid.NewGuid():N}");
        Directory.CreateDirectory(copy);
        try
        {
            var empty = """
                { "format": "torchscript", "file": "model.pt", "numClasses": 5,
                  "outputs": [{ "name": "a", "forwardWith": " " }] }
                """;
            var onTokens = """
                { "format": "torchscript", "file": "model.pt", "numClasses": 5,
                  "outputs": [{ "name": "a", "tokens": { "prefix": 1 }, "forwardWith": "with_a" }] }
                """;
            File.WriteAllText(Path.Combine(copy, "model.json"), empty);
            Assert.Contains("forwardWith must name a method",
                Assert.Throws<ModelPackageException>(() => ModelManifestReader.Read(copy)).Message);
            File.WriteAllText(Path.Combine(copy, "model.json"), onTokens);
            Assert.Contains("not a token sequence",
                Assert.Throws<ModelPackageException>(() => ModelManifestReader.Read(copy)).Message);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }
}
