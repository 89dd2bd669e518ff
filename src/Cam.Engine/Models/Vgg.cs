namespace Cam.Engine.Models;

/// <summary>torchvision's VGG: numbered <c>features</c>, a 7×7 adaptive pool and a three-layer classifier.</summary>
public sealed class Vgg : Module<Tensor, Tensor>, ILayerTails
{
    private static readonly Dictionary<int, int[]> Configs = new()
    {
        [11] = [64, -1, 128, -1, 256, 256, -1, 512, 512, -1, 512, 512, -1],
        [13] = [64, 64, -1, 128, 128, -1, 256, 256, -1, 512, 512, -1, 512, 512, -1],
        [16] = [64, 64, -1, 128, 128, -1, 256, 256, 256, -1, 512, 512, 512, -1, 512, 512, 512, -1],
        [19] = [64, 64, -1, 128, 128, -1, 256, 256, 256, 256, -1, 512, 512, 512, 512, -1, 512, 512, 512, 512, -1],
    };

    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    public Vgg(string name, int depth, bool batchNorm, int numClasses) : base(name)
    {
        features = Sequential();
        var inChannels = 3;
        var index = 0;
        foreach (var v in Configs[depth])
        {
            if (v < 0)
            {
                features.append((index++).ToString(), MaxPool2d(kernel_size: 2, stride: 2));
                continue;
            }
            features.append((index++).ToString(), Conv2d(inChannels, v, kernel_size: 3, padding: 1));
            if (batchNorm) features.append((index++).ToString(), BatchNorm2d(v));
            features.append((index++).ToString(), ReLU(inplace: true));
            inChannels = v;
        }
        avgpool = AdaptiveAvgPool2d(new long[] { 7, 7 });
        classifier = Sequential(
            Linear(512 * 7 * 7, 4096), ReLU(inplace: true), Dropout(0.5),
            Linear(4096, 4096), ReLU(inplace: true), Dropout(0.5),
            Linear(4096, numClasses));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => SequentialTails.Forward(features, Head, x);

    private Tensor Head(Tensor y) => SequentialTails.PooledHead(avgpool.call, classifier, y);

    public Func<Tensor, Tensor>? TailAfter(string layer) => SequentialTails.After(layer, "features", features, Head);

    /// <summary>None: a 7×7 pool and three linear layers follow the features.</summary>
    public string? PooledLinearAfter(string layer) => null;
}
