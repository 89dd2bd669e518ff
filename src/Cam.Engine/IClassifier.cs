using static TorchSharp.torch;

namespace Cam.Engine;

/// <summary>The logits of one forward pass and the activations of the layers asked for; the caller owns both.</summary>
public sealed class ForwardPass(Tensor logits, IReadOnlyList<Tensor> activations) : IDisposable
{
    public Tensor Logits { get; } = logits;
    public IReadOnlyList<Tensor> Activations { get; } = activations;

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

    /// <summary>Names of the layers whose activations can be requested.</summary>
    IReadOnlyList<string> LayerNames { get; }

    /// <summary>Forward pass without gradients, returning the logits (N, classes).</summary>
    Tensor Logits(Tensor input);

    /// <summary>Forward pass without gradients, capturing the outputs of <paramref name="layers"/>.</summary>
    ForwardPass Forward(Tensor input, IReadOnlyList<string> layers);

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
}
