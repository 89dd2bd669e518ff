using System.Text.Json;
using Cam.Datasets;
using Cam.Engine.Models;
using Cam.Engine.Packages;
using Cam.Engine.Preprocessing;
using Cam.Engine.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Demo;

/// <summary>Trains the demo network on a shapes manifest with TorchSharp on the CPU and writes a model package.</summary>
public sealed class ShapesTrainer(Action<string>? log = null)
{
    public static readonly PreprocessSpec Preprocess = new() { Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f] };

    public sealed record Outcome(int TrainImages, int HeldOutImages, double HeldOutAccuracy);

    /// <param name="localisationWeight">
    /// Weight of <see cref="CamLocalisationLoss"/> next to cross-entropy, for images with a box; 0 trains on labels alone
    /// (as for the spurious-correlation demo, whose shortcut must survive training).
    /// </param>
    public async Task<Outcome> TrainAsync(string manifestPath, string packageDirectory, int epochs = 8, int seed = 0, CancellationToken ct = default,
        string architecture = "shapesnet", double localisationWeight = 0)
    {
        torch.manual_seed(seed);
        var source = new ManifestSource(manifestPath);
        var items = await source.EnumerateAsync(ct).Where(i => i.Error is null && i.Label is not null).ToListAsync(ct);
        var labels = ShapesGenerator.Classes;
        var loader = new ImageLoader(new DataRoot(source.Root));
        var loaded = loader.Load(source.Root, items.Select(i => i.Path).ToList(), ct);
        var usable = loaded.Where(l => l.Ok).ToList();
        var preprocessor = new Preprocessor(Preprocess);
        using var x = preprocessor.Batch(usable.Select(l => l.Image!).ToList());
        using var y = torch.tensor(usable.Select(l => (long)IndexOf(labels, items[l.Index].Label!)).ToArray());
        // One box per image (the first), or x1 ≤ x0 for none; the demo's images are not resized, so pixels are input pixels.
        using var boxes = torch.tensor(usable.SelectMany(l => items[l.Index].Boxes is [var b, ..] ? new[] { b.X0, b.Y0, b.X1, b.Y1 } : [0f, 0f, 0f, 0f]).ToArray())
            .view(usable.Count, 4);
        var (height, width) = (x.shape[2], x.shape[3]);

        var shuffle = new Random(seed);
        var order = Enumerable.Range(0, usable.Count).OrderBy(_ => shuffle.Next()).ToArray();
        var heldOut = Math.Max(1, usable.Count / 10);
        using var validationIndex = torch.tensor(order[..heldOut].Select(i => (long)i).ToArray());
        using var trainIndex = torch.tensor(order[heldOut..].Select(i => (long)i).ToArray());

        using var model = Architectures.Create(architecture, labels.Count) as ShapesNet
            ?? throw new ArgumentException($"the demo trains a shapesnet architecture, not '{architecture}'");
        using var optimizer = torch.optim.Adam(model.parameters(), lr: 3e-3, weight_decay: 1e-4);
        var schedule = torch.optim.lr_scheduler.StepLR(optimizer, Math.Max(1, epochs * 2 / 3), 0.3);
        const int batchSize = 32;
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            model.train();
            using var permutation = trainIndex[torch.randperm(trainIndex.shape[0])];
            var lossSum = 0.0;
            var batches = 0;
            for (long start = 0; start < permutation.shape[0]; start += batchSize)
            {
                ct.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var index = permutation.slice(0, start, Math.Min(start + batchSize, permutation.shape[0]), 1);
                var batch = x.index_select(0, index);
                var target = y.index_select(0, index);
                var batchBoxes = boxes.index_select(0, index);
                if (shuffle.Next(2) == 1)
                {
                    batch = batch.flip(3);
                    batchBoxes = CamLocalisationLoss.FlipHorizontally(batchBoxes, width);
                }
                optimizer.zero_grad();
                var (logits, maps) = model.ForwardWithMaps(batch, target);
                var loss = nn.functional.cross_entropy(logits, target);
                if (localisationWeight > 0) loss = loss + localisationWeight * CamLocalisationLoss.Compute(maps, batchBoxes, height, width);
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>();
                batches++;
            }
            schedule.step();
            log?.Invoke($"epoch {epoch + 1}/{epochs}: loss {lossSum / batches:F4}, held-out accuracy {Accuracy(model, x, y, validationIndex):P1}, " +
                $"CAM peak in box {PeakInBox(model, x, y, boxes, validationIndex):P1}");
        }
        model.eval();
        var accuracy = Accuracy(model, x, y, validationIndex);
        WritePackage(model, packageDirectory, labels, architecture);
        return new Outcome(usable.Count - heldOut, heldOut, accuracy);
    }

    private static int IndexOf(IReadOnlyList<string> labels, string label) =>
        labels.ToList().IndexOf(label) is var i and >= 0 ? i : throw new FormatException($"unknown label '{label}'");

    private static double Accuracy(ShapesNet model, Tensor x, Tensor y, Tensor index)
    {
        model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var predictions = model.call(x.index_select(0, index)).argmax(1);
        return predictions.eq(y.index_select(0, index)).to(ScalarType.Float32).mean().item<float>();
    }

    /// <summary>Share of boxed images whose true-class CAM has its largest cell inside the box (the pointing game at map resolution).</summary>
    private static double PeakInBox(ShapesNet model, Tensor x, Tensor y, Tensor boxes, Tensor index)
    {
        model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var (_, maps) = model.ForwardWithMaps(x.index_select(0, index), y.index_select(0, index));
        var b = boxes.index_select(0, index);
        var (h, w) = (maps.shape[1], maps.shape[2]);
        var peak = maps.reshape(maps.shape[0], h * w).argmax(1);
        var py = peak.div(w, rounding_mode: RoundingMode.floor).to(ScalarType.Float32).add(0.5).mul(x.shape[2] / (float)h).sub(0.5);
        var px = (peak % w).to(ScalarType.Float32).add(0.5).mul(x.shape[3] / (float)w).sub(0.5);
        var boxed = b[.., 2].gt(b[.., 0]);
        var hit = px.ge(b[.., 0]).logical_and(px.lt(b[.., 2])).logical_and(py.ge(b[.., 1])).logical_and(py.lt(b[.., 3])).logical_and(boxed);
        var count = boxed.sum().item<long>();
        return count == 0 ? double.NaN : hit.sum().item<long>() / (double)count;
    }

    public static void WritePackage(nn.Module model, string directory, IReadOnlyList<string> labels, string architecture = "shapesnet")
    {
        Directory.CreateDirectory(directory);
        SafeTensors.Save(Path.Combine(directory, "weights.safetensors"), model.state_dict());
        var manifest = new ModelManifest
        {
            Format = "builtin", Architecture = architecture, File = "weights.safetensors", NumClasses = labels.Count, Labels = labels,
            Preprocess = Preprocess, TargetLayers = ["features"],
        };
        File.WriteAllText(Path.Combine(directory, "model.json"), JsonSerializer.Serialize(manifest, ModelManifest.Json));
    }
}
