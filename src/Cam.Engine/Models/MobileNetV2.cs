namespace Cam.Engine.Models;

/// <summary>torchvision's MobileNetV2 (width 1.0): inverted residual blocks, functional global pooling.</summary>
public sealed class MobileNetV2 : Module<Tensor, Tensor>, ILayerTails
{
    // expansion t, output channels c, repeats n, first stride s
    private static readonly int[][] Settings =
    [
        [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
    ];

    private readonly Sequential features;
    private readonly Sequential classifier;

    public MobileNetV2(string name, int numClasses) : base(name)
    {
        features = Sequential();
        features.append("0", ConvBnRelu6(3, 32, kernel: 3, stride: 2, groups: 1));
        var input = 32;
        var index = 1;
        foreach (var s in Settings)
        {
            for (var i = 0; i < s[2]; i++)
            {
                features.append((index++).ToString(), new InvertedResidual(input, s[1], i == 0 ? s[3] : 1, s[0]));
                input = s[1];
            }
        }
        features.append((index).ToString(), ConvBnRelu6(input, 1280, kernel: 1, stride: 1, groups: 1));
        classifier = Sequential(Dropout(0.2), Linear(1280, numClasses));
        RegisterComponents();
    }

    /// <summary>torchvision's Conv2dNormActivation with ReLU6: children named 0 (conv), 1 (bn), 2 (relu6).</summary>
    internal static Sequential ConvBnRelu6(int input, int output, int kernel, int stride, int groups) => Sequential(
        Conv2d(input, output, kernel_size: kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false),
        BatchNorm2d(output),
        ReLU6(inplace: true));

    public override Tensor forward(Tensor x) => SequentialTails.Forward(features, Head, x);

    private Tensor Head(Tensor y) =>
        SequentialTails.PooledHead(a => functional.adaptive_avg_pool2d(a, new long[] { 1, 1 }), classifier, y);

    public Func<Tensor, Tensor>? TailAfter(string layer) => SequentialTails.After(layer, "features", features, Head);

    public string? PooledLinearAfter(string layer) => SequentialTails.IsLast(layer, "features", features) ? "classifier.1" : null;
}

internal sealed class InvertedResidual : Module<Tensor, Tensor>
{
    private readonly Sequential conv;
    private readonly bool useResidual;

    public InvertedResidual(int input, int output, int stride, int expandRatio) : base(nameof(InvertedResidual))
    {
        var hidden = input * expandRatio;
        useResidual = stride == 1 && input == output;
        conv = Sequential();
        var index = 0;
        if (expandRatio != 1) conv.append((index++).ToString(), MobileNetV2.ConvBnRelu6(input, hidden, kernel: 1, stride: 1, groups: 1));
        conv.append((index++).ToString(), MobileNetV2.ConvBnRelu6(hidden, hidden, kernel: 3, stride: stride, groups: hidden));
        conv.append((index++).ToString(), Conv2d(hidden, output, kernel_size: 1, bias: false));
        conv.append((index).ToString(), BatchNorm2d(output));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (!useResidual) return conv.call(x);
        using var y = conv.call(x);
        return x + y;
    }
}
