namespace Cam.Engine.Models;

// Field names are torchvision's state_dict names; TorchSharp registers submodules under their field names.

/// <summary>torchvision's ResNet (v1.5: the bottleneck strides in its 3×3 convolution).</summary>
public sealed class ResNet : Module<Tensor, Tensor>, ILayerTails
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly ReLU relu;
    private readonly MaxPool2d maxpool;
    private readonly Sequential layer1, layer2, layer3, layer4;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Linear fc;

    public ResNet(string name, bool bottleneck, int[] blocks, int numClasses) : base(name)
    {
        var expansion = bottleneck ? 4 : 1;
        var inplanes = 64;
        conv1 = Conv2d(3, 64, kernel_size: 7, stride: 2, padding: 3, bias: false);
        bn1 = BatchNorm2d(64);
        relu = ReLU(inplace: true);
        maxpool = MaxPool2d(kernel_size: 3, stride: 2, padding: 1);
        Sequential MakeLayer(int planes, int count, int stride)
        {
            var layer = Sequential();
            for (var i = 0; i < count; i++)
            {
                var s = i == 0 ? stride : 1;
                Sequential? downsample = null;
                if (i == 0 && (stride != 1 || inplanes != planes * expansion))
                    downsample = Sequential(
                        Conv2d(inplanes, planes * expansion, kernel_size: 1, stride: stride, bias: false),
                        BatchNorm2d(planes * expansion));
                layer.append(i.ToString(), bottleneck
                    ? new Bottleneck(inplanes, planes, s, downsample)
                    : new BasicBlock(inplanes, planes, s, downsample));
                inplanes = planes * expansion;
            }
            return layer;
        }
        layer1 = MakeLayer(64, blocks[0], 1);
        layer2 = MakeLayer(128, blocks[1], 2);
        layer3 = MakeLayer(256, blocks[2], 2);
        layer4 = MakeLayer(512, blocks[3], 2);
        avgpool = AdaptiveAvgPool2d(new long[] { 1, 1 });
        fc = Linear(512 * expansion, numClasses);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = maxpool.call(relu.call(bn1.call(conv1.call(x))));
        y = layer4.call(layer3.call(layer2.call(layer1.call(y))));
        y = torch.flatten(avgpool.call(y), 1);
        return fc.call(y).MoveToOuterDisposeScope();
    }

    private Tensor Head(Tensor y)
    {
        using var scope = NewDisposeScope();
        return fc.call(torch.flatten(avgpool.call(y), 1)).MoveToOuterDisposeScope();
    }

    /// <summary>After <c>layerN</c> the later stages and the head; after a block <c>layerN.i</c> the rest of its stage first.</summary>
    public Func<Tensor, Tensor>? TailAfter(string layer)
    {
        Sequential[] stages = [layer1, layer2, layer3, layer4];
        var parts = layer.Split('.');
        if (parts.Length is < 1 or > 2 || !parts[0].StartsWith("layer", StringComparison.Ordinal)
            || !int.TryParse(parts[0]["layer".Length..], out var stage) || stage is < 1 or > 4) return null;
        var blocks = new List<Module<Tensor, Tensor>>();
        if (parts.Length == 2)
        {
            var children = stages[stage - 1].named_children().ToList();
            if (!int.TryParse(parts[1], out var block) || block < 0 || block >= children.Count || children[block].name != parts[1]) return null;
            blocks.AddRange(children.Skip(block + 1).Select(c => (Module<Tensor, Tensor>)c.module));
        }
        blocks.AddRange(stages.Skip(stage));
        return a =>
        {
            using var scope = NewDisposeScope();
            var y = a;
            foreach (var b in blocks) y = b.call(y);
            return Head(y).MoveToOuterDisposeScope();
        };
    }

    public string? PooledLinearAfter(string layer) =>
        layer == "layer4" || layer == $"layer4.{layer4.named_children().Count() - 1}" ? "fc" : null;
}

internal sealed class BasicBlock : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1, conv2;
    private readonly BatchNorm2d bn1, bn2;
    private readonly ReLU relu;
    private readonly Sequential? downsample;

    public BasicBlock(int inplanes, int planes, int stride, Sequential? downsample) : base(nameof(BasicBlock))
    {
        conv1 = Conv2d(inplanes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn1 = BatchNorm2d(planes);
        relu = ReLU(inplace: true);
        conv2 = Conv2d(planes, planes, kernel_size: 3, padding: 1, bias: false);
        bn2 = BatchNorm2d(planes);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var identity = downsample is null ? x : downsample.call(x);
        var y = bn2.call(conv2.call(relu.call(bn1.call(conv1.call(x)))));
        return relu.call(y.add_(identity)).MoveToOuterDisposeScope();
    }
}

internal sealed class Bottleneck : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1, conv2, conv3;
    private readonly BatchNorm2d bn1, bn2, bn3;
    private readonly ReLU relu;
    private readonly Sequential? downsample;

    public Bottleneck(int inplanes, int planes, int stride, Sequential? downsample) : base(nameof(Bottleneck))
    {
        conv1 = Conv2d(inplanes, planes, kernel_size: 1, bias: false);
        bn1 = BatchNorm2d(planes);
        conv2 = Conv2d(planes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn2 = BatchNorm2d(planes);
        conv3 = Conv2d(planes, planes * 4, kernel_size: 1, bias: false);
        bn3 = BatchNorm2d(planes * 4);
        relu = ReLU(inplace: true);
        this.downsample = downsample;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var identity = downsample is null ? x : downsample.call(x);
        var y = relu.call(bn1.call(conv1.call(x)));
        y = relu.call(bn2.call(conv2.call(y)));
        y = bn3.call(conv3.call(y));
        return relu.call(y.add_(identity)).MoveToOuterDisposeScope();
    }
}
