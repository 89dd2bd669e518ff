namespace Cam.Datasets;

/// <summary>
/// The eval transforms torchvision's ImageNet weights declare (<c>weights.transforms()</c>, torchvision 0.14): resize
/// (shorter side), center crop, interpolation; all of them normalise with ImageNet's mean and std. A package's
/// <c>"preset": "IMAGENET1K_V2"</c> fills in what its <c>preprocess</c> leaves out for its architecture. Checked against
/// torchvision's own metadata by PreprocessPresetsTests (tests/Cam.Datasets.Tests/Fixtures/make_presets.py).
/// </summary>
public static class PreprocessPresets
{
    public static readonly IReadOnlyList<string> Names = ["IMAGENET1K_V1", "IMAGENET1K_V2"];

    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    /// <summary>(architecture, weights) → (resize, crop, interpolation).</summary>
    public static readonly IReadOnlyDictionary<(string Architecture, string Weights), (int Resize, int Crop, string Interpolation)> Table =
        new Dictionary<(string, string), (int, int, string)>
        {
            [("resnet18", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("resnet34", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("resnet50", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("resnet50", "IMAGENET1K_V2")] = (232, 224, "bilinear"),
            [("resnet101", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("resnet101", "IMAGENET1K_V2")] = (232, 224, "bilinear"),
            [("resnet152", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("resnet152", "IMAGENET1K_V2")] = (232, 224, "bilinear"),
            [("vgg11", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("vgg13", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("vgg16", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("vgg19", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("vgg11_bn", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("vgg13_bn", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("vgg16_bn", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("vgg19_bn", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("mobilenet_v2", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("mobilenet_v2", "IMAGENET1K_V2")] = (232, 224, "bilinear"),
            [("vit_b_16", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("vit_b_32", "IMAGENET1K_V1")] = (256, 224, "bilinear"),
            [("convnext_tiny", "IMAGENET1K_V1")] = (236, 224, "bilinear"),
            [("efficientnet_b0", "IMAGENET1K_V1")] = (256, 224, "bicubic"),
        };

    /// <summary>
    /// <paramref name="spec"/> with its preset's transform filling in the resize, crop, interpolation, mean and std it
    /// does not give itself; unchanged without a preset.
    /// </summary>
    public static PreprocessSpec Apply(PreprocessSpec spec, string? architecture)
    {
        if (spec.Preset is not { } preset) return spec;
        if (!Names.Contains(preset))
            throw new ArgumentException($"unknown preset '{preset}' (known: {string.Join(", ", Names)})");
        if (architecture is null || !Table.TryGetValue((architecture, preset), out var t))
        {
            var known = Table.Keys.Where(k => k.Architecture == architecture).Select(k => k.Weights).ToList();
            throw new ArgumentException($"torchvision has no {preset} weights for '{architecture ?? "(no architecture)"}'"
                + (known.Count > 0 ? $" (it has {string.Join(", ", known)})" : ""));
        }
        var resized = spec.Resize is not null || spec.ResizeShorter is not null;
        return spec with
        {
            Resize = resized ? spec.Resize : [t.Resize],
            CenterCrop = spec.CenterCrop ?? [t.Crop, t.Crop],
            Interpolation = spec.Interpolation ?? t.Interpolation,
            Mean = spec.Mean ?? ImageNetMean,
            Std = spec.Std ?? ImageNetStd,
        };
    }
}
