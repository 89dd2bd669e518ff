using Cam.Engine.Chunking;
using static TorchSharp.torch;

namespace Cam.Engine.Methods;

/// <summary>What a method gets to weight the channels of the hooked layers.</summary>
public sealed class CamContext
{
    public required IClassifier Model { get; init; }
    /// <summary>The batch, (N, 3, H, W), already normalised.</summary>
    public required Tensor Input { get; init; }
    /// <summary>The model's logits for the batch, (N, classes).</summary>
    public required Tensor Logits { get; init; }
    public required IReadOnlyList<string> Layers { get; init; }
    /// <summary>The hooked activations' values, one (N, C, h, w) per layer.</summary>
    public required IReadOnlyList<Tensor> Activations { get; init; }
    /// <summary>Class indices, (N, K) int64, on the model's device.</summary>
    public required Tensor Classes { get; init; }
    public required MaskedForwardRunner Runner { get; init; }
    /// <summary>One key per image (its item number in a job), which seeds any per-image noise so results do not depend on batching.</summary>
    public required IReadOnlyList<long> ItemKeys { get; init; }
    /// <summary>Gradients of the class scores of the explained forward; only for methods that <see cref="CamMethod.UsesScoreGradients"/>.</summary>
    public ScoreGradients? Gradients { get; init; }
}

/// <summary>A class activation map method: how to weight each layer's channels for the requested classes.</summary>
public abstract class CamMethod
{
    public abstract string Name { get; }

    /// <summary>Whether the combined map goes through a ReLU (the Score-CAM and gradient families) or not (CAM).</summary>
    public abstract bool AppliesRelu { get; }

    /// <summary>Whether the weights need the gradients of the class scores of the explained forward (one backward per class).</summary>
    public virtual bool UsesScoreGradients => false;

    /// <summary>Whether the masked-input forwards of the Score-CAM family run, so that their chunk size must be planned.</summary>
    public virtual bool UsesMaskedForwards => false;

    /// <summary>Checks the method can run on these layers before any forward pass is spent.</summary>
    public virtual void Validate(IReadOnlyList<string> layers) { }

    /// <summary>Throws <see cref="MethodNotApplicableException"/> when the method cannot explain this model at all.</summary>
    public virtual void CheckApplies(IClassifier model) { }

    /// <summary>
    /// The channel weights of every layer: (N, K, C) each, or (N, K, C, h, w) for weights that vary across the map.
    /// </summary>
    public abstract Tensor[] ComputeWeights(CamContext context);

    /// <summary>How a layer's maps are scaled before several layers are fused (Layer-CAM rescales them; others leave them).</summary>
    public virtual Tensor ScaleForFusion(Tensor maps) => maps;
}
