using Cam.Contracts;
using Cam.Engine.Methods;
using Cam.Engine.Metrics;

namespace Cam.Engine.Batches;

/// <summary>What to compute for every image of a batch.</summary>
public sealed record BatchRequest
{
    public required IReadOnlyList<CamMethod> Methods { get; init; }
    /// <summary>Target layers; the candidate layer when empty.</summary>
    public IReadOnlyList<string> Layers { get; init; } = [];
    public required ClassSelection Classes { get; init; }
    public bool Normalized { get; init; } = true;
    /// <summary>The explainer options; the <see cref="BatchExplainer"/>'s defaults when null.</summary>
    public ExplainerOptions? Options { get; init; }
    /// <summary>Compute faithfulness metrics (they cost forwards: 1 + 2·(steps + 1) per map).</summary>
    public bool ComputeMetrics { get; init; }
    public int CurveSteps { get; init; } = MetricSteps.Default;
    /// <summary>Ground-truth boxes per image, in input pixels (after preprocessing); empty lists when unknown.</summary>
    public IReadOnlyList<IReadOnlyList<PixelBox>>? Boxes { get; init; }
    /// <summary>One key per image (its item number) seeding per-image noise, so results do not depend on batching; batch indices when null.</summary>
    public IReadOnlyList<long>? ItemKeys { get; init; }
}

/// <summary>
/// Explains a batch with several methods at once and flattens the maps into one <see cref="MapResult"/> per
/// (image, method, layer, class) — with a "fused" layer when several are hooked — ready to be stored.
/// <paramref name="defaults"/> apply to requests that set no options (a worker's precision, say); <paramref name="cancellation"/>
/// stops an explanation between chunks of masked forwards (a shard's token: its job cancelled, its worker stopping).
/// </summary>
public sealed class BatchExplainer(IClassifier model, ExplainerOptions? defaults = null, CancellationToken cancellation = default)
{
    private readonly ExplainerOptions defaults = defaults ?? new();
    public const string FusedLayer = LayerNames.Fused;
    private readonly Dictionary<(CamMethod, string), CamExplainer> explainers = [];

    public IReadOnlyList<MapResult> Explain(Tensor input, BatchRequest request)
    {
        var results = new List<MapResult>();
        foreach (var method in request.Methods)
        {
            var explainer = ExplainerFor(method, request);
            using var explanation = explainer.Explain(input, request.Classes, request.Normalized, request.ItemKeys, cancellation);
            using var probabilities = torch.softmax(explanation.Logits, 1).cpu();
            using var logits = explanation.Logits.cpu();
            var layers = explanation.Layers.Select((name, i) => (name, explanation.Maps[i])).ToList();
            if (explanation.Fused is not null) layers.Add((FusedLayer, explanation.Fused));
            var n = (int)input.shape[0];
            var k = explanation.Classes.GetLength(1);
            using var predictedTensor = logits.argmax(1);
            var predicted = predictedTensor.data<long>().ToArray();
            foreach (var (layer, maps) in layers)
            {
                using var cpu = maps.to(ScalarType.Float32).cpu().contiguous();
                var (h, w) = ((int)cpu.shape[2], (int)cpu.shape[3]);
                var values = cpu.data<float>().ToArray();
                for (var i = 0; i < n; i++)
                    for (var j = 0; j < k; j++)
                    {
                        var cls = (int)explanation.Classes[i, j];
                        var map = values.AsSpan((i * k + j) * h * w, h * w).ToArray();
                        var (peakY, peakX, energy) = Summarise(map, w);
                        var (score, probability) = (logits[i, cls].item<float>(), probabilities[i, cls].item<float>());
                        var result = new MapResult(i, method.Name, layer, cls, j, score, probability, h, w, map, peakY, peakX, energy)
                        {
                            PredictedClass = (int)predicted[i],
                        };
                        results.Add(WithLocalisation(result, input, request));
                    }
            }
            if (request.ComputeMetrics) AddMetrics(results, input, request, method.Name);
        }
        return results;
    }

    private CamExplainer ExplainerFor(CamMethod method, BatchRequest request)
    {
        var key = (method, string.Join(",", request.Layers));
        if (!explainers.TryGetValue(key, out var explainer))
            explainers[key] = explainer = new CamExplainer(model, method, request.Layers, request.Options ?? defaults);
        return explainer;
    }

    /// <summary>The peak's position (first maximum in raster order) and the mean of the non-negative values.</summary>
    internal static (int PeakY, int PeakX, float Energy) Summarise(float[] map, int width)
    {
        var peak = 0;
        var sum = 0.0;
        for (var i = 0; i < map.Length; i++)
        {
            if (map[i] > map[peak] || float.IsNaN(map[peak])) peak = i;
            if (map[i] > 0) sum += map[i];
        }
        return (peak / width, peak % width, map.Length == 0 ? 0f : (float)(sum / map.Length));
    }

    /// <summary>Pointing game and energy in the box: cheap (no forward), so computed whenever boxes are known.</summary>
    private static MapResult WithLocalisation(MapResult result, Tensor input, BatchRequest request)
    {
        var boxes = request.Boxes?[result.ImageIndex];
        if (boxes is not { Count: > 0 }) return result;
        using var map = torch.tensor(result.Map, [result.Height, result.Width]);
        var localisation = Localisation.Score(map, input.shape[2], input.shape[3], boxes);
        return result with { PointingHit = localisation.PointingHit, EnergyInBox = localisation.EnergyInBox };
    }

    private void AddMetrics(List<MapResult> results, Tensor input, BatchRequest request, string method)
    {
        var score = ConfidenceMetrics.Softmax(model);
        var x = input.to(model.Device);
        for (var r = 0; r < results.Count; r++)
        {
            var result = results[r];
            if (result.Method != method || result.Metrics is not null) continue;
            using var scope = NewDisposeScope();
            var image = x[result.ImageIndex];
            var map = torch.tensor(result.Map, [result.Height, result.Width], device: model.Device);
            var confidence = ConfidenceMetrics.Compute(score, image.unsqueeze(0), map.unsqueeze(0), [result.ClassIndex])[0];
            var (deletion, insertion) = PixelCurves.Compute(score, image, map, result.ClassIndex, request.CurveSteps,
                Math.Max(1, (request.Options ?? defaults).ChunkSize ?? 16));
            results[r] = result with
            {
                Metrics = new MapMetrics(confidence.Drop, confidence.Increase, deletion.Area, insertion.Area, result.PointingHit, result.EnergyInBox)
                {
                    DeletionCurve = deletion.Scores, InsertionCurve = insertion.Scores,
                },
            };
        }
    }
}
