using Cam.Engine.Chunking;
using Cam.Engine.Methods;
using Cam.Engine.Models;
using Cam.Engine.Precision;

namespace Cam.Engine;

/// <summary>The maps of one batch: per layer (N, K, h, w), fused across layers when there are several.</summary>
public sealed class Explanation : IDisposable
{
    public required Tensor Logits { get; init; }
    public required IReadOnlyList<string> Layers { get; init; }
    public required IReadOnlyList<Tensor> Maps { get; init; }
    /// <summary>The element-wise maximum of the maps resized to the largest of them; null with one layer.</summary>
    public Tensor? Fused { get; init; }
    /// <summary>Classes explained, (N, K).</summary>
    public required long[,] Classes { get; init; }
    public required ExplanationStats Stats { get; init; }

    public void Dispose()
    {
        Logits.Dispose();
        foreach (var m in Maps) m.Dispose();
        Fused?.Dispose();
    }
}

public sealed record ExplanationStats(int ChunkSize, long MaskedForwards, long ForwardsSaved, int OutOfMemoryRetries);

/// <summary>Options of an explainer: where the masked forwards' chunk size comes from.</summary>
public sealed record ExplainerOptions
{
    /// <summary>A fixed chunk size for the masked forwards; planned from the memory budget when null.</summary>
    public int? ChunkSize { get; init; }
    public MemoryBudget Budget { get; init; } = new();
    /// <summary>Forward identical masks once (results are unchanged); off only to measure or verify that.</summary>
    public bool ShareIdenticalMasks { get; init; } = true;
    /// <summary>
    /// The worker's precision (bfloat16 or float16, optionally channels-last), run by a copy of the model with its weights
    /// cast once (<see cref="IClassifier.AtPrecision"/>): the masked-input and ablated forwards, and for a method that
    /// <see cref="CamMethod.Differentiates"/> (the gradient family, Smooth Grad-CAM++, FullGrad) the explained forward
    /// and its backward passes too. Activations and gradients come back as float32, in which the maps are weighted,
    /// combined and normalised. The other methods' explained forward stays in the model's own precision. Null: the
    /// model's own precision.
    /// </summary>
    public ForwardPrecision? Precision { get; init; }
}

/// <summary>
/// Explains batches with one model, one method and a set of target layers: a hooked forward pass, the method's
/// channel weights, then combining, ReLU (Score-CAM family), normalising and fusing.
/// </summary>
public sealed class CamExplainer
{
    private readonly IClassifier model;
    private readonly IClassifier maskedModel;
    private readonly IClassifier explainedModel;
    private readonly CamMethod method;
    private readonly MaskChunkPlanner planner;
    private readonly bool shareIdenticalMasks;
    private readonly IReadOnlyList<string>? requestedLayers;
    private IReadOnlyList<string>? resolvedLayers;
    private int? plannedChunk;
    private long[]? plannedShape;

    public CamExplainer(IClassifier model, CamMethod method, IReadOnlyList<string>? layers = null, ExplainerOptions? options = null)
    {
        options ??= new ExplainerOptions();
        this.model = model;
        this.method = method;
        requestedLayers = layers is { Count: > 0 } ? layers : null;
        method.CheckApplies(model);
        if (requestedLayers is not null)
        {
            foreach (var layer in requestedLayers)
                if (!model.LayerNames.Contains(layer))
                    throw new ArgumentException($"{model.Name} has no layer '{layer}'");
            method.Validate(requestedLayers);
        }
        maskedModel = options.Precision is { } precision ? model.AtPrecision(precision) : model;
        explainedModel = method.Differentiates ? maskedModel : model;
        planner = new MaskChunkPlanner(options.Budget, options.ChunkSize);
        shareIdenticalMasks = options.ShareIdenticalMasks;
    }

    public CamMethod Method => method;

    /// <summary>The target layers: those asked for, or the candidate layer found for this input shape.</summary>
    public IReadOnlyList<string> LayersFor(long[] sampleShape) =>
        resolvedLayers ??= requestedLayers ?? [model.LocateCandidateLayer(sampleShape)];

    /// <param name="itemKeys">One key per image (its item number in a job) seeding per-image noise; the batch index when null.</param>
    /// <param name="cancellation">Checked before each chunk of masked forwards.</param>
    public Explanation Explain(Tensor input, ClassSelection classes, bool normalized = true, IReadOnlyList<long>? itemKeys = null,
        CancellationToken cancellation = default)
    {
        if (input.ndim != 4 || input.shape[1] != 3)
            throw new ArgumentException($"the input must be (N, 3, H, W), not ({string.Join(", ", input.shape)})");
        if (itemKeys is not null && itemKeys.Count != input.shape[0])
            throw new ArgumentException($"{itemKeys.Count} item keys were given for {input.shape[0]} images");
        if (method.AugSmooth && !normalized)
            throw new ArgumentException("aug-smooth averages normalised maps: raw maps are not available with it");
        var sampleShape = input.shape.Skip(1).ToArray();
        var layers = LayersFor(sampleShape);
        using var scope = NewDisposeScope();
        var x = input.to(model.Device);
        var keys = itemKeys ?? Enumerable.Range(0, (int)input.shape[0]).Select(i => (long)i).ToArray();
        var stats = new ExplanationStats(1, 0, 0, 0);
        var (logits, classIndex, maps) = Pass(x, classes.Resolve, layers, normalized, keys, ref stats, cancellation);
        if (method.AugSmooth)
        {
            // The classes of the plain pass are explained in every augmented one.
            var resolved = ClassSelection.PerImage(Enumerable.Range(0, classIndex.GetLength(0))
                .Select(n => Enumerable.Range(0, classIndex.GetLength(1)).Select(k => (int)classIndex[n, k]).ToArray()).ToList());
            foreach (var (flip, factor) in AugmentationPasses)
            {
                using var passScope = NewDisposeScope();
                var augmented = (flip ? x.flip(3) : x) * factor;
                var (_, _, augmentedMaps) = Pass(augmented, resolved.Resolve, layers, normalized, keys, ref stats, cancellation);
                for (var i = 0; i < maps.Length; i++) maps[i].add_(flip ? augmentedMaps[i].flip(-1) : augmentedMaps[i]);
            }
            foreach (var map in maps) map.div_(AugmentationPasses.Count + 1);
        }
        foreach (var map in maps) map.MoveToOuterDisposeScope();
        var fused = maps.Length > 1 ? method.FuseLayers(maps, normalized).MoveToOuterDisposeScope() : null;
        return new Explanation
        {
            Logits = logits.clone().MoveToOuterDisposeScope(),
            Layers = layers,
            Maps = maps,
            Fused = fused,
            Classes = classIndex,
            Stats = stats,
        };
    }

    /// <summary>pytorch-grad-cam's test-time augmentations besides the plain pass: (flip, brightness factor).</summary>
    private static readonly IReadOnlyList<(bool Flip, double Factor)> AugmentationPasses =
        [(false, 0.9), (false, 1.1), (true, 0.9), (true, 1.0), (true, 1.1)];

    /// <summary>
    /// One explained forward of <paramref name="x"/>: logits, the classes resolved on them, the layers' maps. A method that
    /// differentiates runs it on the model at the explainer's precision; activations are handed on as float32.
    /// </summary>
    private (Tensor Logits, long[,] Classes, Tensor[] Maps) Pass(Tensor x, Func<Tensor, long[,]> resolve, IReadOnlyList<string> layers,
        bool normalized, IReadOnlyList<long> keys, ref ExplanationStats stats, CancellationToken cancellation)
    {
        var sampleShape = x.shape.Skip(1).ToArray();
        // Gradient methods keep the graph of this forward for their backward passes; everything else runs without one.
        using var pass = method.UsesScoreGradients ? GradientForward(x, layers) : explainedModel.Forward(x, layers);
        using var _ = no_grad();
        var logits = pass.Logits.detach();
        var activations = pass.Activations.Select((a, i) => PrecisionCast.Float32(pass.Folded(i, a.detach()))).ToList();
        var classIndex = resolve(logits);
        var classTensor = torch.tensor(classIndex, device: model.Device);
        using var runner = new MaskedForwardRunner(maskedModel, x, method.UsesMaskedForwards ? ChunkSizeFor(sampleShape) : 1, shareIdenticalMasks,
            cancellation);
        var context = new CamContext
        {
            Model = explainedModel, Input = x, Logits = logits, Layers = layers, Activations = activations,
            Classes = classTensor, Runner = runner, ItemKeys = keys, Planner = planner,
            Gradients = method.UsesScoreGradients ? new ScoreGradients(pass, classTensor, method.ScoreFunction) : null,
        };
        var maps = method.ComputeMaps(context);
        for (var i = 0; i < maps.Length; i++)
        {
            if (method.AppliesRelu) maps[i].relu_();
            if (normalized) method.NormalizeInPlace(maps[i]);
        }
        stats = new ExplanationStats(runner.ChunkSize, stats.MaskedForwards + runner.Forwards, stats.ForwardsSaved + runner.ForwardsSaved,
            stats.OutOfMemoryRetries + runner.OutOfMemoryRetries);
        return (logits, classIndex, maps);
    }

    /// <summary>
    /// The explained forward of a gradient method, kept with its graph. At a reduced precision, on a built-in
    /// architecture that declares the modules after a target layer (<see cref="ModuleClassifier.ForwardWithGraphAfter"/>):
    /// the model up to the target layers on the cast copy without a graph, then from the first target layer's output
    /// the rest of the model at the model's own precision with its graph, so that the backward passes, and the gradients
    /// given the activations, are float32's (a bfloat16 backward through layer4 moved the reference fixtures' layer3 maps
    /// by up to 1.0). Otherwise (a TorchScript package, token layers) the whole forward and backward on the cast copy.
    /// </summary>
    private ForwardPass GradientForward(Tensor x, IReadOnlyList<string> layers)
    {
        if (ReferenceEquals(explainedModel, model) || model is not ModuleClassifier own
            || !layers.Any(l => own.TailAfter(l)?.Kind == LayerTailKind.Suffix))
            return explainedModel.ForwardWithGraph(x, layers);
        using var prefix = explainedModel.Forward(x, layers);
        for (var i = 0; i < layers.Count; i++)
            if (own.ForwardWithGraphAfter(layers[i], prefix.Activations[i], layers) is { } pass) return pass;
        return explainedModel.ForwardWithGraph(x, layers);
    }

    private int ChunkSizeFor(long[] sampleShape)
    {
        if (plannedChunk is null || plannedShape is null || !plannedShape.SequenceEqual(sampleShape))
        {
            plannedChunk = planner.Plan(maskedModel, sampleShape);
            plannedShape = sampleShape;
        }
        return plannedChunk.Value;
    }
}
