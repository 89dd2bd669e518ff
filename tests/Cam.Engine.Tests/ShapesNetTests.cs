using Cam.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

public class ShapesNetTests
{
    [Theory]
    [InlineData("shapesnet", 8, 3)]
    [InlineData("shapesnet_local", 8, 1)]
    [InlineData("shapesnet_local16", 16, 1)]
    public void Demo_variants_give_their_map_size_and_head_kernel_under_the_same_names(string architecture, int mapSize, int headKernel)
    {
        using var model = Architectures.Create(architecture, 5);
        var weights = model.state_dict();
        using var reference = Architectures.Create("shapesnet", 5);
        Assert.Equal(reference.state_dict().Keys.Order(), weights.Keys.Order());
        Assert.Equal([128L, 128, headKernel, headKernel], weights["features.15.weight"].shape);

        using var classifier = new ModuleClassifier(model, architecture);
        using var input = torch.randn(2, 3, 128, 128);
        using var pass = classifier.Forward(input, ["features"]);
        Assert.Equal([2L, 5], pass.Logits.shape);
        Assert.Equal([2L, 128, mapSize, mapSize], pass.Activations[0].shape);
    }

    [Fact]
    public void The_training_maps_are_each_images_class_map_and_average_to_its_logit_minus_the_bias()
    {
        torch.manual_seed(7);
        using var model = new ShapesNet(5);
        model.eval();
        using var input = torch.randn(3, 3, 128, 128);
        using var classes = torch.tensor(new long[] { 4, 0, 2 });
        var (logits, maps) = model.ForwardWithMaps(input, classes);
        using (logits)
        using (maps)
        using (var reference = model.call(input))
        {
            Assert.True(logits.allclose(reference, rtol: 1e-5, atol: 1e-5));
            Assert.Equal([3L, 8, 8], maps.shape);
            var bias = model.state_dict()["fc.bias"];
            for (var i = 0; i < 3; i++)
            {
                var c = classes[i].item<long>();
                var expected = logits[i, c].item<float>() - bias[c].item<float>();
                Assert.Equal(expected, maps[i].mean().item<float>(), 4);
            }
        }
    }
}
