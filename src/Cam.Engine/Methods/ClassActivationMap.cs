using Cam.Contracts;

namespace Cam.Engine.Methods;

/// <summary>CAM (Zhou et al., 2016): the weights are the fully connected layer's rows for the class; no ReLU.</summary>
public sealed class ClassActivationMap(string? fcLayer = null) : CamMethod
{
    public override string Name => MethodNames.Cam;
    public override bool AppliesRelu => false;

    /// <summary>The fully connected layer; the first one of the model when not given.</summary>
    public string? FcLayer { get; } = fcLayer;

    public override void Validate(IReadOnlyList<string> layers)
    {
        if (layers.Count > 1) throw new ArgumentException("CAM takes a single target layer");
    }

    /// <summary>The model must have a linear head over pooled features (<see cref="IClassifier.LinearWeights"/> refuses otherwise).</summary>
    public override void CheckApplies(IClassifier model) => model.LinearWeights(FcLayer).Weight.Dispose();

    public override Tensor[] ComputeWeights(CamContext context)
    {
        var (name, weight) = context.Model.LinearWeights(FcLayer);
        using (weight)
        {
            var channels = context.Activations[0].shape[1];
            if (weight.shape[1] != channels)
                throw new ArgumentException($"the fully connected layer '{name}' takes {weight.shape[1]} features but layer '{context.Layers[0]}' " +
                    $"has {channels} channels");
            // (classes, C) indexed by (N, K) → (N, K, C)
            return [weight.to(context.Activations[0].dtype, context.Activations[0].device)[context.Classes]];
        }
    }
}
