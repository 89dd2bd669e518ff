namespace Cam.Engine.Models;

/// <summary>The built-in architectures, by torchvision's names.</summary>
public static class Architectures
{
    private static readonly Dictionary<string, Func<int, nn.Module<Tensor, Tensor>>> Factories = new(StringComparer.Ordinal)
    {
        ["resnet18"] = n => new ResNet("resnet18", bottleneck: false, [2, 2, 2, 2], n),
        ["resnet34"] = n => new ResNet("resnet34", bottleneck: false, [3, 4, 6, 3], n),
        ["resnet50"] = n => new ResNet("resnet50", bottleneck: true, [3, 4, 6, 3], n),
        ["resnet101"] = n => new ResNet("resnet101", bottleneck: true, [3, 4, 23, 3], n),
        ["resnet152"] = n => new ResNet("resnet152", bottleneck: true, [3, 8, 36, 3], n),
        ["vgg11"] = n => new Vgg("vgg11", 11, batchNorm: false, n),
        ["vgg13"] = n => new Vgg("vgg13", 13, batchNorm: false, n),
        ["vgg16"] = n => new Vgg("vgg16", 16, batchNorm: false, n),
        ["vgg19"] = n => new Vgg("vgg19", 19, batchNorm: false, n),
        ["vgg11_bn"] = n => new Vgg("vgg11_bn", 11, batchNorm: true, n),
        ["vgg13_bn"] = n => new Vgg("vgg13_bn", 13, batchNorm: true, n),
        ["vgg16_bn"] = n => new Vgg("vgg16_bn", 16, batchNorm: true, n),
        ["vgg19_bn"] = n => new Vgg("vgg19_bn", 19, batchNorm: true, n),
        ["mobilenet_v2"] = n => new MobileNetV2("mobilenet_v2", n),
        ["vit_b_16"] = n => new VisionTransformer("vit_b_16", imageSize: 224, patchSize: 16, numLayers: 12, numHeads: 12, hiddenDim: 768,
            mlpDim: 3072, n),
        ["vit_b_32"] = n => new VisionTransformer("vit_b_32", imageSize: 224, patchSize: 32, numLayers: 12, numHeads: 12, hiddenDim: 768,
            mlpDim: 3072, n),
        ["convnext_tiny"] = ConvNeXt.Tiny,
        ["efficientnet_b0"] = EfficientNet.B0,
        ["shapesnet"] = n => new ShapesNet(n),
        ["shapesnet_local"] = n => new ShapesNet(n, headKernel: 1),
        ["shapesnet_local16"] = n => new ShapesNet(n, headKernel: 1, lastPool: false),
    };

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    /// <summary>Builds an architecture with freshly initialised weights, in evaluation mode.</summary>
    public static nn.Module<Tensor, Tensor> Create(string name, int numClasses)
    {
        if (!Factories.TryGetValue(name, out var factory))
            throw new ArgumentException($"unknown architecture '{name}' (known: {string.Join(", ", Factories.Keys)})");
        if (numClasses < 1) throw new ArgumentException($"the number of classes must be positive, not {numClasses}");
        var model = factory(numClasses);
        model.eval();
        return model;
    }
}
