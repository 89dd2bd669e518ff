using Cam.Engine.Models;
using Cam.Engine.Tensors;
using TorchSharp;

namespace Cam.Engine.Tests;

/// <summary>
/// A cheap stand-in for resnet18 where a test pins a property that holds at any size (chunking, seeding, sharing of
/// masked forwards, batching): the demo's <see cref="ShapesNet"/> at width 16, counter-filled weights
/// (<see cref="DeterministicWeights"/>), 10 classes. On 64×64 inputs <c>features</c> is 32 channels at 4×4 and
/// <c>features.10</c> 16 channels at 8×8; a forward is 0.9 M multiply-adds, 1/170 of resnet18's at the same size, and Score-CAM
/// makes 32 masked forwards per image instead of layer4's 512.
/// </summary>
internal static class SmallNet
{
    public const string Last = "features";
    public const string Middle = "features.10";
    public const int LastChannels = 32;

    public static ModuleClassifier Create() => new(Build(), "shapesnet", factory: Build);

    private static ShapesNet Build() => DeterministicWeights.Fill(new ShapesNet(10, width: 16));

    /// <summary>Two real images from a reference fixture, cropped to 64×64.</summary>
    public static torch.Tensor Input()
    {
        using var file = SafeTensors.Load(Fixtures.PathOf("iscam_layer4.safetensors"));
        return file["input"][.., .., ..64, ..64].contiguous();
    }
}
