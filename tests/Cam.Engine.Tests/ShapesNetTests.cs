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
}
