using Cam.Engine.Precision;

namespace Cam.Engine;

/// <summary>
/// The logits of one forward pass and the activations of the layers asked for; the caller owns both. A forward kept
/// with its graph hands out the activations as the layers produced them, so that gradients can be taken with respect
/// to them, with a fold that turns an activation or its gradient into the (N, C, h, w) grid the methods see (token
/// sequences); otherwise the activations come folded already.
/// </summary>
public sealed class ForwardPass(Tensor logits, IReadOnlyList<Tensor> activations, Func<int, Tensor, Tensor>? fold = null) : IDisposable
{
    public Tensor Logits { get; } = logits;
    public IReadOnlyList<Tensor> Activations { get; } = activations;

    /// <summary>The i-th layer's activation, or a tensor of its shape (its gradient), as the (N, C, h, w) grid the methods see.</summary>
    public Tensor Folded(int layer, Tensor tensor) => fold is null ? tensor : fold(layer, tensor);

    public void Dispose()
    {
        Logits.Dispose();
        foreach (var a in Activations) a.Dispose();
    }
}

/// <summary>
/// An image classifier as the CAM methods see it: a forward pass giving logits and, on request, the outputs of
/// named layers. Built-in architectures expose layers through forward hooks; TorchScript models through extra
/// outputs.
/// </summary>
public interface IClassifier : IDisposable
{
    string Name { get; }
    Device Device { get; }

    /// <summary>
    /// The precision the model computes in. Inputs of any floating dtype are cast to it; logits come back as float32;
    /// activations (and their gradients) come in this dtype.
    /// </summary>
    ForwardPrecision Precision { get; }

    /// <summary>
    /// This model computing in <paramref name="precision"/>: itself at its own precision, otherwise a copy with its weights
    /// cast once, made on first use and disposed with this model. The explainer runs on it the forwards that tolerate
    /// reduced precision: the Score-CAM family's masked inputs, Ablation-CAM's ablated copies, and the gradient methods'
    /// explained forward with its backward passes (<see cref="Methods.CamMethod.Differentiates"/>).
    /// </summary>
    IClassifier AtPrecision(ForwardPrecision precision);

    /// <summary>Names of the layers whose activations can be requested.</summary>
    IReadOnlyList<string> LayerNames { get; }

    /// <summary>Forward pass without gradients, returning the logits (N, classes).</summary>
    Tensor Logits(Tensor input);

    /// <summary>Forward pass without gradients, capturing the outputs of <paramref name="layers"/>.</summary>
    ForwardPass Forward(Tensor input, IReadOnlyList<string> layers);

    /// <summary>
    /// Forward pass that keeps the autograd graph from the outputs of <paramref name="layers"/> to the logits, so that
    /// gradients of class scores with respect to those activations can be taken. The model's parameters never require
    /// gradients, so nothing accumulates in them; the graph lives until the returned tensors are disposed.
    /// </summary>
    ForwardPass ForwardWithGraph(Tensor input, IReadOnlyList<string> layers);

    /// <summary>
    /// The layer a CAM would use when none is named: of all layers, in the order they produce output on a forward
    /// pass of zeros, the last whose output has the input's rank and a spatial size other than 1 (token outputs
    /// counted by their folded shape); an architecture may declare its own instead (a ViT's last block's ln_1).
    /// </summary>
    string LocateCandidateLayer(long[] sampleShape);

    /// <summary>The weight matrix (classes, channels) of the named fully connected layer, or of the first one.</summary>
    (string Name, Tensor Weight) LinearWeights(string? name);

    /// <summary>Bytes of layer outputs one sample of this shape produces in a forward pass (for chunk planning).</summary>
    long ActivationBytesPerSample(long[] sampleShape);

    /// <summary>
    /// The logits as a function of <paramref name="layer"/>'s output, for forwards with that output replaced
    /// (Ablation-CAM); null where the model cannot take a replaced output (a TorchScript graph, a token layer).
    /// </summary>
    LayerTail? TailAfter(string layer) => null;
}
