namespace Cam.Engine.Layers;

/// <summary>How the logits follow from a layer's output when that output is replaced (Ablation-CAM's ablated copies).</summary>
public enum LayerTailKind
{
    /// <summary>Only the modules after the layer run (the architecture declares them, <see cref="ILayerTails"/>).</summary>
    Suffix,

    /// <summary>The whole model runs on the image, the layer's output replaced by a hook (pytorch-grad-cam's way).</summary>
    WholeModel,
}

/// <summary>
/// What follows a layer up to the logits, as a function of the layer's output: <see cref="Logits"/> maps B copies of
/// one image's activation (B, C, h, w) and that image (1, 3, H, W) to float32 logits (B, classes), without gradients.
/// When only global average pooling and one linear layer follow (dropout aside), <see cref="PooledLinear"/> names that
/// layer: the logits are then W·mean(A) + b, and the effect of changing a channel is known in closed form.
/// </summary>
public sealed class LayerTail
{
    public required LayerTailKind Kind { get; init; }
    public required Func<Tensor, Tensor, Tensor> Logits { get; init; }
    public string? PooledLinear { get; init; }
    /// <summary>Bytes one copy costs through <see cref="Logits"/> (its layer outputs), given the activation's (C, h, w) and the input's (3, H, W)
    /// shapes, for chunk planning.</summary>
    public required Func<long[], long[], long> BytesPerCopy { get; init; }
}

/// <summary>An architecture that can start its forward at some of its layers (<see cref="LayerTail"/>).</summary>
public interface ILayerTails
{
    /// <summary>The modules after <paramref name="layer"/> up to the logits, as a function of its output; null where the architecture cannot
    /// start.</summary>
    Func<Tensor, Tensor>? TailAfter(string layer);

    /// <summary>The linear layer, when only global average pooling and it (dropout aside) follow <paramref name="layer"/>; else null.</summary>
    string? PooledLinearAfter(string layer);
}

/// <summary>Tails of architectures made of a numbered <c>features</c> sequence and a head (MobileNetV2, VGG, EfficientNet).</summary>
public static class SequentialTails
{
    /// <summary>
    /// After <c>features</c> the head; after <c>features.i</c> the blocks i+1… then the head. Null for any other layer.
    /// </summary>
    public static Func<Tensor, Tensor>? After(string layer, string prefix, nn.Module features, Func<Tensor, Tensor> head)
    {
        if (layer == prefix) return head;
        if (!layer.StartsWith(prefix + ".", StringComparison.Ordinal) || !int.TryParse(layer[(prefix.Length + 1)..], out var index)) return null;
        var blocks = features.named_children().ToList();
        if (index < 0 || index >= blocks.Count || blocks[index].name != index.ToString()) return null;
        var rest = blocks.Skip(index + 1).Select(b => (nn.Module<Tensor, Tensor>)b.module).ToList();
        return a =>
        {
            using var scope = NewDisposeScope();
            var y = a;
            foreach (var block in rest) y = block.call(y);
            return head(y).MoveToOuterDisposeScope();
        };
    }

    /// <summary>The whole forward of such an architecture: <paramref name="head"/>(features(x)).</summary>
    public static Tensor Forward(nn.Module<Tensor, Tensor> features, Func<Tensor, Tensor> head, Tensor x)
    {
        using var scope = NewDisposeScope();
        return head(features.call(x)).MoveToOuterDisposeScope();
    }

    /// <summary>A pooled head: classifier(flatten(pool(y), 1)).</summary>
    public static Tensor PooledHead(Func<Tensor, Tensor> pool, nn.Module<Tensor, Tensor> classifier, Tensor y)
    {
        using var scope = NewDisposeScope();
        return classifier.call(torch.flatten(pool(y), 1)).MoveToOuterDisposeScope();
    }

    /// <summary>The layers after which only the pooled head follows: <c>features</c> and its last block.</summary>
    public static bool IsLast(string layer, string prefix, nn.Module features) =>
        layer == prefix || layer == $"{prefix}.{features.named_children().Count() - 1}";
}
