using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Methods;

/// <summary>
/// The gradients of class scores with respect to the hooked activations of one forward kept with its graph: for class
/// rank k, the gradient of Σ_n logits[n, classes[n, k]] (images do not interact in an evaluation forward, so each image
/// gets the gradient of its own score), one backward per rank over the same graph.
/// </summary>
public sealed class ScoreGradients(ForwardPass pass, Tensor classes)
{
    /// <summary>The gradients for class rank <paramref name="rank"/>, one (N, C, h, w) per layer, detached.</summary>
    public Tensor[] ForRank(int rank) => Of(pass, classes, rank);

    public static Tensor[] Of(ForwardPass pass, Tensor classes, int rank)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var score = pass.Logits.gather(1, classes[.., rank..(rank + 1)]).sum();
        if (!score.requires_grad || pass.Activations.Any(a => !a.requires_grad))
            throw new InvalidOperationException("the class score cannot be differentiated with respect to the target layers (no autograd graph joins them)");
        // backward (not autograd.grad, whose binding lets a libtorch error end the process) with the activations as its
        // only inputs: their .grad receives the gradient and nothing else accumulates any.
        foreach (var a in pass.Activations) a.grad = null;
        torch.autograd.backward([score], retain_graph: true, inputs: [.. pass.Activations]);
        var gradients = new Tensor[pass.Activations.Count];
        for (var i = 0; i < gradients.Length; i++)
        {
            var activation = pass.Activations[i];
            using var gradient = activation.grad
                ?? throw new InvalidOperationException("the class score does not depend on every target layer (a layer after the logits, or unused?)");
            gradients[i] = pass.Folded(i, gradient.detach()).to(ScalarType.Float32, copy: true).MoveToOuterDisposeScope();
            activation.grad = null;
        }
        return gradients;
    }
}
