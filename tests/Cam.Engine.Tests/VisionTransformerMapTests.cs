using Cam.Engine.Methods;
using Cam.Engine.Packages;
using Cam.Engine.Tensors;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>
/// Maps of the reduced ViT against Fixtures/modern/vit_scorecam.safetensors: Score-CAM written out in PyTorch with a
/// forward hook on the last block's first layer norm and the tokens folded into the patch grid; and the same network
/// exported by torch.jit.trace, as a package declaring that output a token sequence; Grad-CAM against vit_gradcam.safetensors.
/// </summary>
public class VisionTransformerMapTests
{
    private static readonly string ScriptedPackage = ModernArchitectureTests.Modern("vit_scripted");

    private static SafeTensorsFile Reference() => SafeTensors.Load(ModernArchitectureTests.Modern("vit_scorecam.safetensors"));

    private static Tensor Input() => DeterministicWeights.Image("input.vit_tiny", [2, 3, 32, 32]);

    private static ClassSelection Classes(SafeTensorsFile reference)
    {
        var values = reference["classes"].data<long>().ToArray();
        return ClassSelection.PerImage([[(int)values[0], (int)values[1]], [(int)values[2], (int)values[3]]]);
    }

    [Fact]
    public void ScoreCam_on_the_last_blocks_layer_norm_equals_PyTorch_with_the_same_reshape()
    {
        using var reference = Reference();
        using var model = ViTTiny.Filled();
        using var input = Input();
        using (var pass = model.Forward(input, [ViTTiny.LastLayerNorm]))
        {
            Tolerance.Relative(reference["logits"], pass.Logits, 1e-4, "logits");
            Tolerance.Absolute(reference["activation"], pass.Activations[0], 1e-4, "folded tokens (N, D, h, w)");
        }
        var explainer = new CamExplainer(model, new ScoreCam());
        using var result = explainer.Explain(input, Classes(reference));
        Assert.Equal([ViTTiny.LastLayerNorm], result.Layers);
        Tolerance.Absolute(reference["expected"], result.Maps[0], 1e-4, "Score-CAM maps vs PyTorch");
    }

    [Fact]
    public void A_TorchScript_export_of_the_ViT_gives_the_same_maps_as_the_built_in()
    {
        using var reference = Reference();
        using var package = ModelPackage.Load(ScriptedPackage);
        using var builtin = ViTTiny.Filled();
        using var input = Input();
        Assert.Equal(ViTTiny.LastLayerNorm, package.Classifier.LocateCandidateLayer([3, 32, 32]));
        using (var logits = package.Classifier.Logits(input)) Tolerance.Relative(reference["logits"], logits, 1e-4, "TorchScript logits");
        // chunks of 7 forward masked batches of another size than the trace's
        var options = new ExplainerOptions { ChunkSize = 7 };
        using var scripted = new CamExplainer(package.Classifier, new ScoreCam(), options: options).Explain(input, Classes(reference));
        using var ours = new CamExplainer(builtin, new ScoreCam(), options: options).Explain(input, Classes(reference));
        Tolerance.Absolute(ours.Maps[0], scripted.Maps[0], 1e-4, "TorchScript vs built-in");
        Tolerance.Absolute(reference["expected"], scripted.Maps[0], 1e-4, "TorchScript vs PyTorch");
    }

    [Fact]
    public void GradCam_on_the_last_blocks_layer_norm_equals_PyTorch_autograd_with_the_same_reshape_built_in_and_scripted()
    {
        using var reference = SafeTensors.Load(ModernArchitectureTests.Modern("vit_gradcam.safetensors"));
        using var builtin = ViTTiny.Filled();
        using var package = ModelPackage.Load(ScriptedPackage);
        using var input = Input();
        using var ours = new CamExplainer(builtin, new GradCam()).Explain(input, Classes(reference));
        Tolerance.Absolute(reference["expected"], ours.Maps[0], 1e-4, "Grad-CAM maps vs PyTorch");
        // Gradients of the scripted graph's logits with respect to the token output it returns, folded afterwards.
        using var scripted = new CamExplainer(package.Classifier, new GradCam()).Explain(input, Classes(reference));
        Tolerance.Absolute(reference["expected"], scripted.Maps[0], 1e-4, "TorchScript Grad-CAM vs PyTorch");
    }

    [Fact]
    public void Cam_is_refused_on_a_ViT_naming_the_model_and_the_reason()
    {
        using var builtin = ViTTiny.Filled();
        var error = Assert.Throws<MethodNotApplicableException>(() => new CamExplainer(builtin, new ClassActivationMap()));
        Assert.Contains("vit_tiny", error.Message);
        Assert.Contains("class token", error.Message);
        // whatever the layer: its first linear layer has as many inputs as a block has channels, so nothing else would stop it
        Assert.Throws<MethodNotApplicableException>(() => new CamExplainer(builtin, new ClassActivationMap(), ["conv_proj"]));

        using var package = ModelPackage.Load(ScriptedPackage);
        var scripted = Assert.Throws<MethodNotApplicableException>(() => new CamExplainer(package.Classifier, new ClassActivationMap()));
        Assert.Contains(ViTTiny.LastLayerNorm, scripted.Message);
        Assert.Contains("class token", scripted.Message);
    }
}
