using Cam.Engine.Chunking;
using Cam.Engine.Methods;
using Cam.Engine.Precision;
using TorchSharp;
using static TorchSharp.torch;

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
    /// <summary>Precision of the masked forwards (float32 unless reduced precision is asked for).</summary>
    public ForwardPrecision Precision { get; init; } = ForwardPrecision.Float32;
}

/// <summary>
/// Explains batches with one model, one method and a set of target layers: a hooked forward pass, the method's
/// channel weights, then combining, ReLU (Score-CAM family), normalising and fusing.
/// </summary>
public sealed class CamExplainer
{
    private readonly IClassifier model;
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
        planner = new MaskChunkPlanner(options.Budget, options.ChunkSize);
        shareIdenticalMasks = options.ShareIdenticalMasks;
    }

    public CamMethod Method => method;

    /// <summary>The target layers: those asked for, or the candidate layer found for this input shape.</summary>
    public IReadOnlyList<string> LayersFor(long[] sampleShape) =>
        resolvedLayers ??= requestedLayers ?? [model.LocateCandidateLayer(sampleShape)];

    public Explanation Explain(Tensor input, ClassSelection classes, bool normalized = true)
    {
        if (input.ndim != 4 || input.shape[1] != 3)
            throw new ArgumentException($"the input must be (N, 3, H, W), not ({string.Join(", ", input.shape)})");
        var sampleShape = input.shape.Skip(1).ToArray();
        var layers = LayersFor(sampleShape);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = input.to(model.Device);
        using var pass = model.Forward(x, layers);
        var classIndex = classes.Resolve(pass.Logits);
        var classTensor = torch.tensor(classIndex, device: model.Device);
        using var runner = new MaskedForwardRunner(model, x, ChunkSizeFor(sampleShape), shareIdenticalMasks);
        var context = new CamContext
        {
            Model = model, Input = x, Logits = pass.Logits, Layers = layers, Activations = pass.Activations,
            Classes = classTensor, Runner = runner,
        };
        var weights = method.ComputeWeights(context);
        var maps = new Tensor[layers.Count];
        for (var i = 0; i < layers.Count; i++)
        {
            var map = CamMaps.Combine(weights[i], pass.Activations[i]);
            if (method.AppliesRelu) map = map.relu_();
            if (normalized) CamMaps.NormalizeInPlace(map);
            maps[i] = map.MoveToOuterDisposeScope();
        }
        var fused = maps.Length > 1 ? CamMaps.Fuse(maps).MoveToOuterDisposeScope() : null;
        return new Explanation
        {
            Logits = pass.Logits.clone().MoveToOuterDisposeScope(),
            Layers = layers,
            Maps = maps,
            Fused = fused,
            Classes = classIndex,
            Stats = new ExplanationStats(runner.ChunkSize, runner.Forwards, runner.ForwardsSaved, runner.OutOfMemoryRetries),
        };
    }

    private int ChunkSizeFor(long[] sampleShape)
    {
        if (plannedChunk is null || plannedShape is null || !plannedShape.SequenceEqual(sampleShape))
        {
            plannedChunk = method is ScoreCamFamily ? planner.Plan(model, sampleShape) : 1;
            plannedShape = sampleShape;
        }
        return plannedChunk.Value;
    }
}
