namespace Cam.Scheduler.Validation;

/// <summary>
/// The engine's built-in architectures as the scheduler knows them without loading one: each name with the
/// weight of its classifier head, whose first dimension is the class count. Cam.Engine.Tests checks this table
/// against the engine's architectures.
/// </summary>
public static class BuiltinArchitectures
{
    public static IReadOnlyDictionary<string, string> HeadWeights { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["resnet18"] = "fc.weight",
        ["resnet34"] = "fc.weight",
        ["resnet50"] = "fc.weight",
        ["resnet101"] = "fc.weight",
        ["resnet152"] = "fc.weight",
        ["vgg11"] = "classifier.6.weight",
        ["vgg13"] = "classifier.6.weight",
        ["vgg16"] = "classifier.6.weight",
        ["vgg19"] = "classifier.6.weight",
        ["vgg11_bn"] = "classifier.6.weight",
        ["vgg13_bn"] = "classifier.6.weight",
        ["vgg16_bn"] = "classifier.6.weight",
        ["vgg19_bn"] = "classifier.6.weight",
        ["mobilenet_v2"] = "classifier.1.weight",
        ["vit_b_16"] = "heads.head.weight",
        ["vit_b_32"] = "heads.head.weight",
        ["convnext_tiny"] = "classifier.2.weight",
        ["efficientnet_b0"] = "classifier.1.weight",
        ["shapesnet"] = "fc.weight",
        ["shapesnet_local"] = "fc.weight",
        ["shapesnet_local16"] = "fc.weight",
    };
}
