namespace Cam.Engine.Models;

/// <summary>
/// The demo's small CAM-compatible network: a strided stem and four 3×3 convolution blocks with pooling between
/// them, global average pooling and one linear layer, so that CAM applies directly to <c>features</c> (1/16 of the
/// input: 8×8 for the demo's 128×128 images).
/// </summary>
public sealed class ShapesNet : Module<Tensor, Tensor>
{
    private readonly Sequential features;
    private readonly Linear fc;

    public ShapesNet(int numClasses, int width = 64, int headKernel = 3, bool lastPool = true) : base("shapesnet")
    {
        var pad = headKernel / 2;
        features = Sequential(
            Conv2d(3, width / 2, 3, stride: 2, padding: 1, bias: false), BatchNorm2d(width / 2), ReLU(inplace: true), MaxPool2d(2),
            Conv2d(width / 2, width, 3, padding: 1, bias: false), BatchNorm2d(width), ReLU(inplace: true), MaxPool2d(2),
            Conv2d(width, width, 3, padding: 1, bias: false), BatchNorm2d(width), ReLU(inplace: true), lastPool ? MaxPool2d(2) : Identity(),
            Conv2d(width, 2 * width, headKernel, padding: pad, bias: false), BatchNorm2d(2 * width), ReLU(inplace: true),
            Conv2d(2 * width, 2 * width, headKernel, padding: pad, bias: false), BatchNorm2d(2 * width), ReLU(inplace: true));
        fc = Linear(2 * width, numClasses);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var pooled = functional.adaptive_avg_pool2d(features.call(x), [1, 1]).flatten(1);
        return fc.call(pooled).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Logits and, for each image, the class activation map of one class (<c>features</c> weighted by that class's
    /// row of <c>fc</c>, before pooling): the map CAM shows, with the gradient still attached, for training.
    /// </summary>
    /// <param name="classes">(n) class index per image.</param>
    /// <returns>Logits (n, classes) and maps (n, h, w).</returns>
    public (Tensor Logits, Tensor Maps) ForwardWithMaps(Tensor x, Tensor classes)
    {
        using var scope = NewDisposeScope();
        var maps = features.call(x);
        var logits = fc.call(functional.adaptive_avg_pool2d(maps, [1, 1]).flatten(1));
        var classMaps = torch.einsum("nchw,nc->nhw", maps, fc.weight!.index_select(0, classes));
        return (logits.MoveToOuterDisposeScope(), classMaps.MoveToOuterDisposeScope());
    }
}
