using Cam.Specs;

namespace Cam.Engine.Models;

#pragma warning disable IDE1006

/// <summary>
/// torchvision's ConvNeXt: a 4×4 patchify stem, stages of depthwise-7×7 blocks with layer scale, LayerNorm2d and
/// stride-2 downsampling between stages, then average pooling, a layer norm and the linear head. Any input size
/// (a multiple of 32 keeps every stage's grid whole).
/// </summary>
public sealed class ConvNeXt : Module<Tensor, Tensor>, ILayerDeclarations
{
    private readonly Sequential features;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Sequential classifier;

    /// <param name="stages">(channels, blocks) per stage; channels double into the next stage.</param>
    public ConvNeXt(string name, (int Channels, int Blocks)[] stages, int numClasses) : base(name)
    {
        features = Sequential();
        features.append("0", Sequential(Conv2d(3, stages[0].Channels, kernel_size: 4, stride: 4), new LayerNorm2d(stages[0].Channels)));
        var index = 1;
        for (var s = 0; s < stages.Length; s++)
        {
            var (channels, blocks) = stages[s];
            var stage = Sequential();
            for (var b = 0; b < blocks; b++) stage.append(b.ToString(), new CNBlock(channels));
            features.append((index++).ToString(), stage);
            if (s + 1 < stages.Length)
                features.append((index++).ToString(), Sequential(new LayerNorm2d(channels), Conv2d(channels, stages[s + 1].Channels, kernel_size: 2,
                    stride: 2)));
        }
        var last = stages[^1].Channels;
        avgpool = AdaptiveAvgPool2d(1);
        classifier = Sequential(new LayerNorm2d(last), Flatten(1), Linear(last, numClasses));
        RegisterComponents();
    }

    public static ConvNeXt Tiny(int numClasses) => new("convnext_tiny", [(96, 3), (192, 3), (384, 9), (768, 3)], numClasses);

    public string? DefaultTargetLayer => null;

    public TokenLayout? TokensOf(string layer) => null;

    /// <summary>The head normalises the pooled features before its linear layer: CAM uses the linear rows scaled by the norm's gain.</summary>
    public CamHead? CamHead => CamHead.Of("classifier.2", gain: "classifier.0");

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return classifier.call(avgpool.call(features.call(x))).MoveToOuterDisposeScope();
    }
}

/// <summary>ConvNeXt's block: x + layer_scale · block(x), the block working channels-last between its two Permutes.</summary>
internal sealed class CNBlock : Module<Tensor, Tensor>
{
    private readonly Sequential block;
    private readonly Parameter layer_scale;

    public CNBlock(int channels) : base(nameof(CNBlock))
    {
        block = Sequential(
            Conv2d(channels, channels, kernel_size: 7, padding: 3, groups: channels),
            new Permute(0, 2, 3, 1),
            LayerNorm(channels, eps: 1e-6),
            Linear(channels, 4 * channels),
            GELU(),
            Linear(4 * channels, channels),
            new Permute(0, 3, 1, 2));
        layer_scale = new Parameter(full(new long[] { channels, 1, 1 }, 1e-6f));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return (layer_scale * block.call(x) + x).MoveToOuterDisposeScope();
    }
}
