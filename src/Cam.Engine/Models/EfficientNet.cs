namespace Cam.Engine.Models;

/// <summary>
/// torchvision's EfficientNet (B0's widths and depths): a stem, stages of MBConv blocks (expansion, depthwise
/// convolution, squeeze-and-excitation, projection; SiLU throughout), a 1×1 convolution to 1280 channels, average
/// pooling and a linear head. Any input size.
/// </summary>
public sealed class EfficientNet : Module<Tensor, Tensor>, ILayerTails
{
    // expansion, kernel, first stride, input channels, output channels, blocks
    private static readonly int[][] B0Settings =
    [
        [1, 3, 1, 32, 16, 1], [6, 3, 2, 16, 24, 2], [6, 5, 2, 24, 40, 2], [6, 3, 2, 40, 80, 3],
        [6, 5, 1, 80, 112, 3], [6, 5, 2, 112, 192, 4], [6, 3, 1, 192, 320, 1],
    ];

    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    private EfficientNet(string name, int[][] settings, float dropout, int numClasses) : base(name)
    {
        features = Sequential();
        features.append("0", TorchvisionOps.ConvBnActivation(3, settings[0][3], kernel: 3, stride: 2, activation: () => SiLU()));
        var index = 1;
        foreach (var s in settings)
        {
            var stage = Sequential();
            for (var b = 0; b < s[5]; b++)
                stage.append(b.ToString(), new MBConv(b == 0 ? s[3] : s[4], s[4], s[1], b == 0 ? s[2] : 1, s[0]));
            features.append((index++).ToString(), stage);
        }
        var last = 4 * settings[^1][4];
        features.append(index.ToString(), TorchvisionOps.ConvBnActivation(settings[^1][4], last, kernel: 1, activation: () => SiLU()));
        avgpool = AdaptiveAvgPool2d(1);
        classifier = Sequential(Dropout(dropout), Linear(last, numClasses));
        RegisterComponents();
    }

    public static EfficientNet B0(int numClasses) => new("efficientnet_b0", B0Settings, 0.2f, numClasses);

    public override Tensor forward(Tensor x) => SequentialTails.Forward(features, Head, x);

    private Tensor Head(Tensor y) => SequentialTails.PooledHead(avgpool.call, classifier, y);

    public Func<Tensor, Tensor>? TailAfter(string layer) => SequentialTails.After(layer, "features", features, Head);

    public string? PooledLinearAfter(string layer) => SequentialTails.IsLast(layer, "features", features) ? "classifier.1" : null;
}

/// <summary>EfficientNet's inverted residual block; the residual only where stride 1 keeps the channels.</summary>
internal sealed class MBConv : Module<Tensor, Tensor>
{
    private readonly Sequential block;
    private readonly bool residual;

    public MBConv(int input, int output, int kernel, int stride, int expandRatio) : base(nameof(MBConv))
    {
        var expanded = input * expandRatio;
        residual = stride == 1 && input == output;
        block = Sequential();
        var index = 0;
        if (expanded != input)
            block.append((index++).ToString(), TorchvisionOps.ConvBnActivation(input, expanded, kernel: 1, activation: () => SiLU()));
        block.append((index++).ToString(), TorchvisionOps.ConvBnActivation(expanded, expanded, kernel, stride, groups: expanded,
            activation: () => SiLU()));
        block.append((index++).ToString(), new SqueezeExcitation(expanded, Math.Max(1, input / 4)));
        block.append(index.ToString(), TorchvisionOps.ConvBnActivation(expanded, output, kernel: 1));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        if (!residual) return block.call(x);
        using var y = block.call(x);
        return y + x;
    }
}
