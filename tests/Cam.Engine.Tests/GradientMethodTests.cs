using Cam.Engine.Methods;
using Cam.Engine.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

public class GradientMethodTests
{
    /// <summary>Two real images from a fixture at 64×64 (layer4 is 2×2, layer3 4×4).</summary>
    private static Tensor Input()
    {
        using var file = SafeTensors.Load(Fixtures.PathOf("iscam_layer4.safetensors"));
        return file["input"][.., .., ..64, ..64].contiguous();
    }

    private static Explanation Explain(IClassifier model, CamMethod method, Tensor input, ClassSelection classes, long[]? keys = null,
        string[]? layers = null) =>
        new CamExplainer(model, method, layers ?? ["layer3", "layer4"]).Explain(input, classes, itemKeys: keys);

    [Fact]
    public void Smooth_GradCamPlusPlus_with_vanishing_noise_is_GradCamPlusPlus_as_published()
    {
        using var model = Fixtures.ResNet18();
        using var input = Input();
        var classes = ClassSelection.OnePerImage([1, 8]);
        using var plusPlus = Explain(model, new GradCamPlusPlus(MethodConvention.Paper), input, classes);
        using var noiseless = Explain(model, new SmoothGradCamPlusPlus(numSamples: 3, std: 0f), input, classes);
        using var tiny = Explain(model, new SmoothGradCamPlusPlus(numSamples: 3, std: 1e-5f), input, classes);
        using var noisy = Explain(model, new SmoothGradCamPlusPlus(numSamples: 3, std: 0.5f), input, classes);
        for (var l = 0; l < 2; l++)
        {
            Tolerance.Absolute(plusPlus.Maps[l], noiseless.Maps[l], 1e-4, $"std 0, layer {l}");
            Tolerance.Absolute(plusPlus.Maps[l], tiny.Maps[l], 1e-3, $"std 1e-5, layer {l}");
        }
        var difference = (plusPlus.Maps[0] - noisy.Maps[0]).abs().max().item<float>();
        Assert.True(difference > 1e-2, $"noise of std 0.5 changed the maps by only {difference}");
    }

    [Theory]
    [InlineData("smoothgradcampp")]
    [InlineData("sscam")]
    public void Noisy_methods_give_an_image_the_same_map_whatever_batch_it_is_explained_in(string name)
    {
        // A property of the noise's seeding, whatever the network: on the small one (features.10: 16 channels at 8×8).
        using var model = SmallNet.Create();
        using var input = Input();
        string[] layer = [SmallNet.Middle];
        var method = CamMethods.Create(name, new MethodOptions { NumSamples = 2, Std = 1f, Seed = 7 });
        using var together = Explain(model, method, input, ClassSelection.OnePerImage([3, 9]), keys: [100, 200], layers: layer);
        using var first = Explain(model, method, input[..1], ClassSelection.OnePerImage([3]), keys: [100], layers: layer);
        using var second = Explain(model, method, input[1..], ClassSelection.OnePerImage([9]), keys: [200], layers: layer);
        // Convolutions of one image and of two round differently (about 5e-5 on resnet18's maps even without noise), and
        // the third powers of Grad-CAM++ amplify that: 1e-3 separates it from other noise, which moves the maps by > 1e-2.
        Tolerance.Absolute(together.Maps[0][..1], first.Maps[0], 1e-3, "first image alone vs in the batch");
        Tolerance.Absolute(together.Maps[0][1..], second.Maps[0], 1e-3, "second image alone vs in the batch");
        using var otherKey = Explain(model, method, input[..1], ClassSelection.OnePerImage([3]), keys: [101], layers: layer);
        var moved = (otherKey.Maps[0] - first.Maps[0]).abs().max().item<float>();
        Assert.True(moved > 1e-2, $"another item key moved the map by only {moved}");
    }

    [Fact]
    public void Each_class_rank_has_the_map_of_that_class_explained_alone()
    {
        using var model = Fixtures.ResNet18();
        using var input = Input();
        foreach (var method in new CamMethod[] { new GradCam(), new GradCamPlusPlus(), new LayerCam() })
        {
            using var top = Explain(model, method, input, ClassSelection.Top(3));
            for (var k = 0; k < 3; k++)
            {
                var classes = Enumerable.Range(0, 2).Select(n => (int)top.Classes[n, k]).ToList();
                using var alone = Explain(model, method, input, ClassSelection.OnePerImage(classes));
                for (var l = 0; l < 2; l++)
                    Tolerance.Absolute(alone.Maps[l], top.Maps[l][.., k..(k + 1)], 1e-5, $"{method.Name} rank {k} layer {l}");
                Tolerance.Absolute(alone.Fused!, top.Fused![.., k..(k + 1)], 1e-5, $"{method.Name} rank {k} fused");
            }
        }
    }

    [Fact]
    public void Parameters_never_take_gradients_and_no_hook_or_graph_is_left_behind()
    {
        using var model = Fixtures.ResNet18();
        using var input = Input();
        for (var i = 0; i < 2; i++)
            using (Explain(model, new GradCam(), input, ClassSelection.Top(2))) { }
        foreach (var (name, parameter) in LeftoverChecks.ModuleOf(model).named_parameters())
        {
            Assert.False(parameter.requires_grad, $"{name} requires gradients");
            Assert.Null(parameter.grad);
        }
        LeftoverChecks.AssertNoHookLeftAndFreshLogits(model, input);
    }

    [Fact]
    public void A_score_without_a_graph_to_the_layers_is_a_clear_error_not_a_crash()
    {
        using var inner = Fixtures.ResNet18();
        using var model = new GraphlessClassifier(inner);
        using var input = Input();
        var error = Assert.Throws<InvalidOperationException>(() => Explain(model, new GradCam(), input, ClassSelection.Top(1)));
        Assert.Contains("cannot be differentiated", error.Message);
    }

    /// <summary>A classifier whose forward "with graph" keeps none, as a model that cannot be differentiated would.</summary>
    private sealed class GraphlessClassifier(IClassifier inner) : DelegatingClassifier(inner)
    {
        public override ForwardPass ForwardWithGraph(Tensor input, IReadOnlyList<string> layers) => Forward(input, layers);
    }
}
