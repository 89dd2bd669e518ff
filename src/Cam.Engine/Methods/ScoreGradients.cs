using Cam.Engine.Precision;

namespace Cam.Engine.Methods;

/// <summary>
/// The gradients of class scores with respect to the hooked activations of one forward kept with its graph: for class
/// rank k, the gradient of Σ_n score(logits[n], classes[n, k]) (images do not interact in an evaluation forward, so each
/// image gets the gradient of its own score), one backward per rank over the same graph. The forward may run in reduced
/// precision (<see cref="CamMethod.Differentiates"/>): the backward then runs in it too, and the gradients come back as
/// float32 (row-major), in which the methods weight the channels. The score is the method's
/// <see cref="IScoreFunction"/>: the logit, the softmax probability, ReST, or a method's own (Finer-CAM).
/// </summary>
public sealed class ScoreGradients(ForwardPass pass, Tensor classes, IScoreFunction score)
{
    /// <summary>The gradients for class rank <paramref name="rank"/>, one (N, C, h, w) per layer, detached.</summary>
    public Tensor[] ForRank(int rank) => Of(pass, classes, rank, score);

    /// <summary>
    /// For class rank <paramref name="rank"/>, per layer the gradient g = ∂s/∂A and the Hessian-vector product H·A =
    /// ∂(g·A)/∂A with A held constant (second-order autograd: the first backward keeps its own graph). Where g does not
    /// depend on A (a linear head after the layer), H·A is zero, as pytorch-grad-cam's allow_unused gives. Both folded to
    /// (N, C, h, w), float32, detached.
    /// </summary>
    public (Tensor[] Gradients, Tensor[] HessianProducts) SecondOrder(int rank)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var activations = pass.Activations;
        var scoreSum = score.Score(pass.Logits, classes[.., rank..(rank + 1)]).sum();
        if (!scoreSum.requires_grad || activations.Any(a => !a.requires_grad))
            throw new InvalidOperationException("the class score cannot be differentiated with respect to the target layers (no " +
                "autograd graph joins them)");
        foreach (var a in activations) a.grad = null;
        torch.autograd.backward([scoreSum], retain_graph: true, create_graph: true, inputs: [.. activations]);
        var first = activations.Select(a => a.grad
            ?? throw new InvalidOperationException("the class score does not depend on every target layer")).ToArray();
        foreach (var a in activations) a.grad = null;
        var connected = Enumerable.Range(0, first.Length).Where(i => first[i].requires_grad).ToArray();
        var products = new Tensor?[first.Length];
        if (connected.Length > 0)
        {
            torch.autograd.backward([.. connected.Select(i => first[i])], [.. connected.Select(i => activations[i].detach())], retain_graph: true,
                inputs: [.. activations]);
            foreach (var i in connected) products[i] = activations[i].grad;
            foreach (var a in activations) a.grad = null;
        }
        var gradients = new Tensor[first.Length];
        var hessian = new Tensor[first.Length];
        for (var i = 0; i < first.Length; i++)
        {
            gradients[i] = PrecisionCast.Float32Copy(pass.Folded(i, first[i].detach())).MoveToOuterDisposeScope();
            hessian[i] = (products[i] is { } p ? PrecisionCast.Float32Copy(pass.Folded(i, p.detach())) : torch.zeros_like(gradients[i]))
                .MoveToOuterDisposeScope();
        }
        return (gradients, hessian);
    }

    /// <summary>The gradients of the logits of class rank <paramref name="rank"/>.</summary>
    public static Tensor[] Of(ForwardPass pass, Tensor classes, int rank) => Of(pass, classes, rank, TargetScore.Logit);

    public static Tensor[] Of(ForwardPass pass, Tensor classes, int rank, IScoreFunction scoreFunction)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        var score = scoreFunction.Score(pass.Logits, classes[.., rank..(rank + 1)]).sum();
        if (!score.requires_grad || pass.Activations.Any(a => !a.requires_grad))
            throw new InvalidOperationException("the class score cannot be differentiated with respect to the target layers (no " +
                "autograd graph joins them)");
        // backward (not autograd.grad, whose binding lets a libtorch error end the process) with the activations as its
        // only inputs: their .grad receives the gradient and nothing else accumulates any.
        foreach (var a in pass.Activations) a.grad = null;
        torch.autograd.backward([score], retain_graph: true, inputs: [.. pass.Activations]);
        var gradients = new Tensor[pass.Activations.Count];
        for (var i = 0; i < gradients.Length; i++)
        {
            var activation = pass.Activations[i];
            using var gradient = activation.grad
                ?? throw new InvalidOperationException("the class score does not depend on every target layer (a layer after the " +
                    "logits, or unused?)");
            gradients[i] = PrecisionCast.Float32Copy(pass.Folded(i, gradient.detach())).MoveToOuterDisposeScope();
            activation.grad = null;
        }
        return gradients;
    }
}

/// <summary>The per-image score a gradient method differentiates: (N, classes) logits and an (N, 1) class column → (N, 1).</summary>
public interface IScoreFunction
{
    Tensor Score(Tensor logits, Tensor classColumn);
}

/// <summary>One of the <see cref="ScoreTarget"/>s as a score function.</summary>
public sealed record TargetScore(ScoreTarget Target) : IScoreFunction
{
    public static readonly TargetScore Logit = new(ScoreTarget.Logit);
    public Tensor Score(Tensor logits, Tensor classColumn) => Target.Score(logits, classColumn);
}
