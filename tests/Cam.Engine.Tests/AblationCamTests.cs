using Cam.Engine.Methods;
using Cam.Engine.Models;
using Cam.Engine.Packages;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>Ablation-CAM's shortcuts (what follows the layer only; the closed form behind a pooled linear head) against plain forwards.</summary>
public class AblationCamTests
{
    private static ModuleClassifier Counter(string arch) =>
        new(DeterministicWeights.Fill(Architectures.Create(arch, 10)), arch, factory: () => Architectures.Create(arch, 10));

    private static Tensor Weights(ModuleClassifier model, string layer, Tensor input, bool closedForm, int? chunk = null)
    {
        var explainer = new CamExplainer(model, new AblationCam(closedForm), [layer], new ExplainerOptions { ChunkSize = chunk });
        using var result = explainer.Explain(input, ClassSelection.PerImage([[3, 7], [1, 1]]), normalized: false);
        return result.Maps[0].clone();
    }

    [Theory]
    [InlineData("resnet18", "layer4")]
    [InlineData("resnet18", "layer4.1")]
    [InlineData("mobilenet_v2", "features.18")]
    [InlineData("mobilenet_v2", "features")]
    public void behind_a_pooled_linear_head_the_closed_form_gives_the_maps_of_the_ablated_forwards(string arch, string layer)
    {
        using var model = Counter(arch);
        Assert.NotNull(model.TailAfter(layer)!.PooledLinear);
        var input = DeterministicWeights.Image("ablation.closed", [2, 3, 64, 80]);
        var closed = Weights(model, layer, input, closedForm: true);
        var forwards = Weights(model, layer, input, closedForm: false, chunk: 48);
        Assert.True(closed.abs().max().item<float>() > 0, "the maps are all zero");
        Tolerance.Relative(forwards, closed, 1e-4, $"{arch} {layer}: closed form vs ablated forwards");
    }

    [Theory]
    [InlineData("resnet18", "layer3", false)]
    [InlineData("resnet18", "layer2.0", false)]
    [InlineData("mobilenet_v2", "features.16", false)]
    [InlineData("resnet18", "layer3.1.conv2", true)]
    public void the_tail_after_a_layer_gives_the_logits_of_the_whole_model_with_that_layers_output_replaced(string arch,
        string layer, bool wholeModel)
    {
        using var model = Counter(arch);
        var tail = model.TailAfter(layer)!;
        Assert.Equal(wholeModel ? Layers.LayerTailKind.WholeModel : Layers.LayerTailKind.Suffix, tail.Kind);
        var image = DeterministicWeights.Image("ablation.tail", [1, 3, 64, 64]);
        using var pass = model.Forward(image, [layer]);
        // channel 5 set to 0.25 everywhere, by a hook of our own on the full model
        var replaced = pass.Activations[0].clone();
        replaced[0, 5] = tensor(0.25f);
        var module = (nn.Module<Tensor, Tensor>)model.Module.named_modules().Single(m => m.name == layer).module;
        var hook = module.register_forward_hook((_, _, _) => replaced.clone());
        Tensor expected;
        try
        {
            expected = model.Logits(image);
        }
        finally
        {
            hook.remove();
        }
        Assert.False(expected.allclose(pass.Logits, atol: 1e-5), "replacing channel 5 should move the logits");
        Tolerance.Relative(expected, tail.Logits(replaced, image), 1e-5, $"{arch} {layer}: tail vs full forward");
    }

    [Fact]
    public void channels_are_ablated_to_zero_when_the_minimum_is_zero_and_to_the_minimum_less_ten_million_otherwise()
    {
        Assert.Equal(0, AblationCam.AblationValue(tensor(new[] { 0f, 2f, 3f })));
        Assert.Equal(-0.5 - 1e7, AblationCam.AblationValue(tensor(new[] { -0.5f, 2f, 3f })), 1e-3);
        Assert.Equal(0.5 - 1e7, AblationCam.AblationValue(tensor(new[] { 0.5f, 2f })), 1e-3);
    }

    [Fact]
    public void a_torchscript_model_cannot_take_an_ablated_activation_so_the_method_is_refused_by_name()
    {
        using var scripted = ModelPackage.Load(Path.Combine(Fixtures.Dir, "..", "torchscript", "scripted"));
        var problem = AblationCam.Problem(scripted.Classifier, "features");
        Assert.NotNull(problem);
        Assert.Contains("TorchScript", problem);
        using var builtin = Counter("resnet18");
        Assert.Null(AblationCam.Problem(builtin, "layer4"));
    }
}
