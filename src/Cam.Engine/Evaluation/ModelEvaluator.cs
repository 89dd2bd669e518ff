using Cam.Datasets;
using Cam.Engine.Batches;
using Cam.Engine.Methods;
using Cam.Engine.Metrics;
using Cam.Engine.Packages;
using Cam.Engine.Preprocessing;

namespace Cam.Engine.Evaluation;

/// <summary>Accuracy against labels, and per method the pointing game and energy in box against ground-truth boxes.</summary>
public sealed record EvaluationReport(
    int Items,
    int Unreadable,
    int Labelled,
    double? Accuracy,
    IReadOnlyDictionary<string, MethodLocalisation> Methods);

public sealed record MethodLocalisation(int ItemsWithBoxes, double? PointingGame, double? EnergyInBox);

/// <summary>A quick check of any model package on any labelled dataset: accuracy, and where boxes exist, localisation per method.</summary>
public static class ModelEvaluator
{
    public static async Task<EvaluationReport> EvaluateAsync(string dataset, string packagePath, IReadOnlyList<string> methods, int batchSize = 32,
        CancellationToken ct = default)
    {
        using var package = ModelPackage.Load(packagePath);
        var source = DatasetSources.Open(dataset);
        var loader = new ImageLoader(new DataRoot(source.Root));
        var preprocessor = new Preprocessor(package.Manifest.Preprocess, package.Classifier.Device);
        var explainer = new BatchExplainer(package.Classifier);
        var camMethods = methods.Select(m => CamMethods.Create(m)).ToList();
        var (items, unreadable, labelled, correct) = (0, 0, 0, 0);
        var hits = methods.ToDictionary(m => m, _ => 0);
        var energy = methods.ToDictionary(m => m, _ => 0.0);
        var withBoxes = 0;

        await foreach (var chunk in source.EnumerateAsync(ct).Where(i => i.Error is null).Chunk(batchSize).WithCancellation(ct))
        {
            items += chunk.Length;
            var images = loader.Load(source.Root, chunk.Select(i => i.Path).ToList(), ct);
            var ready = chunk.Zip(images).Where(p => p.Second.Ok).Select(p => (Item: p.First, Image: p.Second.Image!)).ToList();
            unreadable += chunk.Length - ready.Count;
            if (ready.Count == 0) continue;
            using var input = preprocessor.Batch(ready.Select(r => r.Image).ToList());
            using (var logits = package.Classifier.Logits(input))
            using (var predicted = logits.argmax(1).cpu())
            {
                var predictions = predicted.data<long>().ToArray();
                for (var i = 0; i < ready.Count; i++)
                {
                    if (ready[i].Item.Label is not { } label || package.ClassOf(label) is not { } cls) continue;
                    labelled++;
                    if (predictions[i] == cls) correct++;
                }
            }
            var boxed = ready.Select((r, i) => (r, i)).Where(p => p.r.Item.Boxes.Count > 0 && p.r.Item.Label is { } l
                && package.ClassOf(l) is not null).ToList();
            if (boxed.Count == 0 || camMethods.Count == 0) continue;
            withBoxes += boxed.Count;
            using var boxedInput = input.index_select(0, TorchSharp.torch.tensor(boxed.Select(p => (long)p.i).ToArray(), device: input.device));
            // The explainer scores each map against its image's boxes (in input pixels) as the worker does.
            var results = explainer.Explain(boxedInput, new BatchRequest
            {
                Methods = camMethods,
                Layers = package.Manifest.TargetLayers,
                Classes = ClassSelection.OnePerImage(boxed.Select(p => package.ClassOf(p.r.Item.Label!)!.Value).ToList()),
                Boxes = boxed.Select(p => (IReadOnlyList<PixelBox>)p.r.Item.Boxes
                    .Select(b => preprocessor.Spec.TransformBox(b, p.r.Image.Width, p.r.Image.Height))
                    .Select(b => new PixelBox(b.X0, b.Y0, b.X1, b.Y1)).ToList()).ToList(),
            });
            // One map per image and method: the layer's, or the fused one when several layers are hooked.
            var several = results.Any(r => r.Layer == BatchExplainer.FusedLayer);
            foreach (var result in results.Where(r => (r.Layer == BatchExplainer.FusedLayer) == several))
            {
                if (result.PointingHit == true) hits[result.Method]++;
                energy[result.Method] += result.EnergyInBox ?? 0;
            }
        }
        return new EvaluationReport(items, unreadable, labelled, labelled > 0 ? (double)correct / labelled : null,
            methods.ToDictionary(m => m, m => new MethodLocalisation(withBoxes,
                withBoxes > 0 ? (double)hits[m] / withBoxes : null, withBoxes > 0 ? energy[m] / withBoxes : null)));
    }
}
