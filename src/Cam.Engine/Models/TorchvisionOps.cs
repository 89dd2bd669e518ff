namespace Cam.Engine.Models;

#pragma warning disable IDE1006

/// <summary>Building blocks of torchvision's newer models (<c>torchvision.ops.misc</c>, ConvNeXt's norm), with its child names.</summary>
internal static class TorchvisionOps
{
    /// <summary><c>Conv2dNormActivation</c> with batch norm: children 0 (conv, no bias), 1 (bn), 2 (activation, when given).</summary>
    public static Sequential ConvBnActivation(int input, int output, int kernel, int stride = 1, int groups = 1, Func<Module<Tensor,
        Tensor>>? activation = null)
    {
        var block = Sequential(
            Conv2d(input, output, kernel_size: kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false),
            BatchNorm2d(output));
        if (activation is not null) block.append("2", activation());
        return block;
    }
}

/// <summary>ConvNeXt's <c>LayerNorm2d</c>: a layer norm over the channels of (N, C, H, W).</summary>
internal sealed class LayerNorm2d : Module<Tensor, Tensor>
{
    private readonly Parameter weight, bias;
    private readonly long[] shape;
    private readonly double eps;

    public LayerNorm2d(int channels, double eps = 1e-6) : base(nameof(LayerNorm2d))
    {
        weight = new Parameter(ones(channels));
        bias = new Parameter(zeros(channels));
        shape = [channels];
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = functional.layer_norm(x.permute(0, 2, 3, 1), shape, weight, bias, eps);
        return y.permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }
}

/// <summary>torchvision's <c>Permute</c> module (no state; it keeps the child numbering of the blocks that use it).</summary>
internal sealed class Permute(params long[] dims) : Module<Tensor, Tensor>(nameof(Permute))
{
    public override Tensor forward(Tensor x) => x.permute(dims);
}

/// <summary>torchvision's <c>SqueezeExcitation</c>: x · sigmoid(fc2(act(fc1(mean over space of x)))), with SiLU.</summary>
internal sealed class SqueezeExcitation : Module<Tensor, Tensor>
{
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Conv2d fc1, fc2;
    private readonly SiLU activation;
    private readonly Sigmoid scale_activation;

    public SqueezeExcitation(int channels, int squeezed) : base(nameof(SqueezeExcitation))
    {
        avgpool = AdaptiveAvgPool2d(1);
        fc1 = Conv2d(channels, squeezed, kernel_size: 1);
        fc2 = Conv2d(squeezed, channels, kernel_size: 1);
        activation = SiLU();
        scale_activation = Sigmoid();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var scale = scale_activation.call(fc2.call(activation.call(fc1.call(avgpool.call(x)))));
        return (scale * x).MoveToOuterDisposeScope();
    }
}
