using Cam.Contracts;

namespace Cam.Engine.Methods;

/// <summary>
/// RefineCAM ("How to Evaluate and Refine your CAM", 2026), as torchcam's <c>RefineCAM</c> (methods/gradient.py) with
/// its default base, Grad-CAM++: each target layer's map of the base method (ReLU, min-max normalised), then the fused
/// map is their product, each resized bilinearly to the largest of them, normalised again:
/// refined = N(Π_l up(N(map_l))), N the min-max scaling with 1e-8. At least two layers.
/// <para>pytorch-grad-cam's <c>refine_cam.py</c> (1.5.5, default base Grad-CAM++ too) computes the same product of
/// per-layer maps, with two differences: each map is resized to the input's size (cv2's bilinear) rather than to the
/// largest layer's, and its scaling uses 1e-7 (its own re-normalisation loop rebinds a copy and changes nothing). Grad-CAM++'s
/// α follows <c>convention</c>: torchcam's base computes it as <c>torchcam</c>, pgc's as <c>pgc</c>; the default is the paper's.</para>
/// </summary>
public sealed class RefineCam(MethodConvention convention = MethodConvention.Paper) : GradientMethod
{
    private readonly GradCamPlusPlus baseMethod = new(convention);

    public override string Name => MethodNames.RefineCam;
    public MethodConvention Convention => baseMethod.Convention;

    public override void Validate(IReadOnlyList<string> layers)
    {
        if (layers.Count < 2) throw new ArgumentException("refinecam multiplies the maps of several layers: name at least two target layers");
    }

    public override Tensor[] ComputeWeights(CamContext context)
    {
        Validate(context.Layers);
        return base.ComputeWeights(context);
    }

    protected override Tensor LayerWeights(Tensor gradient, Tensor activation) => baseMethod.Weights(gradient, activation);

    public override Tensor FuseLayers(IReadOnlyList<Tensor> maps, bool normalized)
    {
        using var scope = NewDisposeScope();
        var height = maps.Max(m => m.shape[^2]);
        var width = maps.Max(m => m.shape[^1]);
        Tensor? product = null;
        foreach (var map in maps)
        {
            var resized = nn.functional.interpolate(CamMaps.NormalizeInPlace(map.clone()), [height, width],
                mode: InterpolationMode.Bilinear, align_corners: false);
            product = product is null ? resized : product.mul_(resized);
        }
        return (normalized ? CamMaps.NormalizeInPlace(product!) : product!).MoveToOuterDisposeScope();
    }
}
