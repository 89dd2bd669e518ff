using Cam.Contracts;
using Cam.Engine.Chunking;

namespace Cam.Engine.Methods;

/// <summary>What a method gets to weight the channels of the hooked layers.</summary>
public sealed class CamContext
{
    /// <summary>
    /// The model of the explained forward: for a method that <see cref="CamMethod.Differentiates"/>, the copy at the
    /// explainer's precision (so its own forwards and backward passes run at that precision too); otherwise the model itself.
    /// </summary>
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
    /// <summary>Plans chunks of forwards other than the masked inputs' (Ablation-CAM's ablated copies).</summary>
    public MaskChunkPlanner Planner { get; init; } = new(new MemoryBudget());
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

    /// <summary>
    /// Whether the method differentiates through the explained forward (the gradient family, Smooth Grad-CAM++, FullGrad).
    /// Such a method's forwards and backward passes run at the explainer's precision (<see cref="ExplainerOptions.Precision"/>),
    /// on the cast copy of the model that <see cref="CamContext.Model"/> then is; the other methods' explained forward
    /// stays in the model's own precision.
    /// </summary>
    public virtual bool Differentiates => UsesScoreGradients;

    /// <summary>Whether the masked-input forwards of the Score-CAM family run, so that their chunk size must be planned.</summary>
    public virtual bool UsesMaskedForwards => false;

    /// <summary>Checks the method can run on these layers before any forward pass is spent.</summary>
    public virtual void Validate(IReadOnlyList<string> layers) { }

    /// <summary>Throws <see cref="MethodNotApplicableException"/> when the method cannot explain this model at all.</summary>
    public virtual void CheckApplies(IClassifier model) { }

    /// <summary>
    /// The channel weights of every layer: (N, K, C) each, or (N, K, C, h, w) for weights that vary across the map.
    /// </summary>
    public virtual Tensor[] ComputeWeights(CamContext context) =>
        throw new NotSupportedException($"{Name} computes its maps directly, not channel weights");

    /// <summary>What a gradient method differentiates (<see cref="ScoreTarget"/>); the logit unless asked otherwise.</summary>
    public ScoreTarget Target { get; internal set; }

    /// <summary>Whether the method differentiates a class score that <see cref="Target"/> chooses (<see cref="MethodNames.TakesTarget"/>).</summary>
    public bool HonoursTarget => MethodNames.TakesTarget(Name);

    /// <summary>The score whose gradients <see cref="CamContext.Gradients"/> holds.</summary>
    public virtual IScoreFunction ScoreFunction => new TargetScore(Target);

    /// <summary>
    /// Eigen smoothing (pytorch-grad-cam's <c>eigen_smooth</c>): the map is the first principal component of the
    /// weighted activations (<see cref="CamMaps.PrincipalProjection"/>) instead of their channel sum.
    /// </summary>
    public bool EigenSmooth { get; internal set; }

    /// <summary>Whether <see cref="EigenSmooth"/> applies: to methods whose map is a weighting of the activations, as in pytorch-grad-cam.</summary>
    public bool OffersEigenSmooth => MethodNames.OffersEigenSmooth(Name);

    /// <summary>
    /// Test-time augmentation (pytorch-grad-cam's <c>aug_smooth</c>): six passes, horizontal flip × brightness 0.9, 1, 1.1,
    /// each map normalised, flipped back and averaged (not rescaled). Run by <see cref="CamExplainer"/>.
    /// </summary>
    public bool AugSmooth { get; internal set; }

    /// <summary>
    /// Every layer's maps before ReLU and normalising, (N, K, h, w) each. By default the weights of
    /// <see cref="ComputeWeights"/> times the activations (<see cref="WeightActivations"/>), summed over channels, or
    /// with <see cref="EigenSmooth"/> projected on their first principal component. Methods whose map is not a channel
    /// weighting (Eigen-CAM, FullGrad) compute it here themselves.
    /// </summary>
    public virtual Tensor[] ComputeMaps(CamContext context)
    {
        var weights = ComputeWeights(context);
        try
        {
            var maps = new Tensor[weights.Length];
            for (var i = 0; i < weights.Length; i++)
            {
                using var scope = NewDisposeScope();
                var weighted = WeightActivations(weights[i], context.Activations[i]);
                maps[i] = (EigenSmooth ? CamMaps.PrincipalProjection(weighted) : CamMaps.ChannelSum(weighted)).MoveToOuterDisposeScope();
            }
            return maps;
        }
        finally
        {
            foreach (var w in weights) w.Dispose();
        }
    }

    /// <summary>
    /// One tensor per hooked layer: <paramref name="layerValue"/>(activation, layer index), each computed in a dispose
    /// scope of its own and kept.
    /// </summary>
    protected static Tensor[] EachLayer(CamContext context, Func<Tensor, int, Tensor> layerValue) =>
        context.Activations.Select((activation, layer) =>
        {
            using var scope = NewDisposeScope();
            return layerValue(activation, layer).MoveToOuterDisposeScope();
        }).ToArray();

    /// <summary>A per-image value (N, …) given to every requested class rank: (N, K, …), contiguous.</summary>
    protected static Tensor RepeatOverRanks(Tensor perImage, CamContext context)
    {
        var shape = perImage.shape.ToList();
        shape.Insert(1, context.Classes.shape[1]);
        return perImage.unsqueeze(1).expand(shape.ToArray()).contiguous();
    }

    /// <summary>The weighted activations (N, K, C, h, w) the map sums or projects: w·A by default.</summary>
    protected virtual Tensor WeightActivations(Tensor weights, Tensor activation) => CamMaps.Weighted(weights, activation);

    /// <summary>Normalises maps (N, K, h, w) in place: min-max with 1e-8 (<see cref="CamMaps.NormalizeInPlace"/>) unless the method scales as its
    /// reference does.</summary>
    public virtual void NormalizeInPlace(Tensor maps) => CamMaps.NormalizeInPlace(maps);

    /// <summary>
    /// The fused map of several layers' maps (N, K, h, w): by default each scaled (<see cref="ScaleForFusion"/>), resized to
    /// the largest and their element-wise maximum (<see cref="CamMaps.Fuse"/>); RefineCAM multiplies them instead.
    /// </summary>
    public virtual Tensor FuseLayers(IReadOnlyList<Tensor> maps, bool normalized) => CamMaps.Fuse(maps.Select(ScaleForFusion).ToList());

    /// <summary>How a layer's maps are scaled before several layers are fused (Layer-CAM rescales them; others leave them).</summary>
    public virtual Tensor ScaleForFusion(Tensor maps) => maps;
}
