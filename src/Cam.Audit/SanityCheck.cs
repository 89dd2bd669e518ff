using Cam.Contracts;
using Cam.Engine;
using Cam.Engine.Batches;
using Cam.Engine.Methods;
using Cam.Engine.Sanity;
using static TorchSharp.torch;

namespace Cam.Audit;

/// <summary>Mean rank correlation between a method's original maps and its maps once the layers down to <see cref="Layer"/> are randomised.</summary>
public sealed record SanityStep(string Method, int Step, string Layer, long Maps, double MeanSpearman, Interval? Interval);

/// <summary>
/// A method's verdict: flagged when its maps still correlate with the originals after the whole cascade, or when they
/// keep as much as Random-CAM's (the floor: <see cref="BeatsFloor"/> false).
/// </summary>
public sealed record SanityVerdict(string Method, double FinalSpearman, Interval? Interval, bool Flagged, string Message, bool BeatsFloor = true);

/// <summary>
/// The sanity check of a job's methods: how their maps change as the model's weights are destroyed from the head down,
/// with Random-CAM's verdict as the floor (<see cref="Floor"/>).
/// </summary>
public sealed record SanityReport(int Items, IReadOnlyList<string> Layers, IReadOnlyList<SanityStep> Steps, IReadOnlyList<SanityVerdict> Methods,
    SanityVerdict? Floor = null);

/// <summary>
/// Adebayo et al.'s model-parameter randomisation test ("Sanity Checks for Saliency Maps", 2018): explain a sample
/// with the trained model, then again after randomising its parameterised layers one more at a time from the head
/// down (cumulatively), and compare each map with the original by Spearman's rank correlation. Maps that depend on
/// what the model learned decorrelate; a method whose maps keep a mean correlation of at least
/// <see cref="MaxSpearman"/> after the whole cascade is flagged: its maps show the input, not the model.
/// Random-CAM (uniform random channel weights, <see cref="RandomCam"/>) runs alongside as the floor: its maps follow the
/// activations but no class, so a method whose maps keep at least its correlation after the cascade does not beat
/// random weights and is flagged too.
/// </summary>
public static class SanityCheck
{
    public const double MaxSpearman = 0.5;
    public const int DefaultItems = 32;
    public const int DefaultLayers = 4;
    public const ulong Seed = 20261206;

    /// <param name="model">Randomised in place: pass a copy loaded for the check alone.</param>
    /// <param name="input">The sample, (N, 3, H, W), preprocessed as the job did.</param>
    /// <param name="classes">The class explained per image (the job's rank-0 class).</param>
    public static SanityReport Run(IClassifier model, IReadOnlyList<CamMethod> methods, IReadOnlyList<string> layers, Tensor input,
        IReadOnlyList<int> classes, int cascadeDepth = DefaultLayers)
    {
        var requested = methods.Select(m => m.Name).ToHashSet();
        var floor = methods.FirstOrDefault(m => m.Name == MethodNames.RandomCam) ?? CamMethods.Create(MethodNames.RandomCam);
        methods = methods.Append(floor).Distinct().ToList();
        var module = WeightRandomization.ModuleOf(model);
        var cascade = WeightRandomization.LayersFromHead(model, input.shape.Skip(1).ToArray()).Take(Math.Max(1, cascadeDepth)).ToList();
        var request = new BatchRequest
        {
            Methods = methods, Layers = layers, Classes = ClassSelection.OnePerImage(classes),
            ItemKeys = Enumerable.Range(0, classes.Count).Select(i => (long)i).ToList(),
        };
        var original = Maps(model, input, request);
        var steps = new List<SanityStep>();
        for (var step = 0; step < cascade.Count; step++)
        {
            WeightRandomization.Randomize(module, cascade[step], Seed + (ulong)step);
            var randomised = Maps(model, input, request);
            foreach (var method in methods.Select(m => m.Name))
            {
                var correlations = original.Where(o => o.Key.Method == method && randomised.ContainsKey(o.Key))
                    .Select(o => RankCorrelation.Spearman(o.Value, randomised[o.Key])).ToArray();
                if (correlations.Length == 0) continue;
                steps.Add(new SanityStep(method, step + 1, cascade[step], correlations.Length, correlations.Average(), Bootstrap.Mean(correlations)));
            }
        }
        var floorVerdict = Verdict(MethodNames.RandomCam, steps, cascade, null);
        var verdicts = methods.Select(m => m.Name).Where(m => m != MethodNames.RandomCam || requested.Contains(m))
            .Where(m => steps.Any(s => s.Method == m)).Select(m => Verdict(m, steps, cascade, m == MethodNames.RandomCam ? null : floorVerdict)!)
            .ToList();
        return new SanityReport(classes.Count, cascade, steps, verdicts, floorVerdict);
    }

    private static SanityVerdict? Verdict(string method, List<SanityStep> steps, List<string> cascade, SanityVerdict? floor)
    {
        if (!steps.Any(s => s.Method == method)) return null;
        var last = steps.Last(s => s.Method == method);
        var beatsFloor = floor is null || last.MeanSpearman < floor.FinalSpearman;
        var flagged = last.MeanSpearman >= MaxSpearman || !beatsFloor;
        var layers = string.Join(", ", cascade);
        var message = last.MeanSpearman >= MaxSpearman
            ? $"{method}: its maps keep a rank correlation of {last.MeanSpearman:F2} with the originals after the weights of {layers} " +
              "were randomised — they do not depend on what the model learned"
            : !beatsFloor
                ? $"{method}: rank correlation {last.MeanSpearman:F2} after randomising {layers}, no lower than random channel weights' " +
                  $"{floor!.FinalSpearman:F2} (randomcam) — it does not beat the floor"
                : $"{method}: rank correlation {last.MeanSpearman:F2} after randomising {layers} — the maps follow the weights" +
                  (floor is null ? "" : $" (randomcam, the floor: {floor.FinalSpearman:F2})");
        return new SanityVerdict(method, last.MeanSpearman, last.Interval, flagged, message, beatsFloor);
    }

    /// <summary>Each image's map per method, at the fused layer when several layers are explained.</summary>
    private static Dictionary<(string Method, int Image), float[]> Maps(IClassifier model, Tensor input, BatchRequest request)
    {
        var results = new BatchExplainer(model).Explain(input, request);
        var several = results.Any(r => r.Layer == BatchExplainer.FusedLayer);
        return results.Where(r => r.Rank == 0 && (r.Layer == BatchExplainer.FusedLayer) == several)
            .ToDictionary(r => (r.Method, r.ImageIndex), r => r.Map);
    }
}
