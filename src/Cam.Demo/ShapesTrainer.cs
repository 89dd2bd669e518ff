using System.Text.Json;
using Cam.Datasets;
using Cam.Engine.Models;
using Cam.Engine.Preprocessing;
using Cam.Engine.Tensors;
using Cam.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Demo;

/// <summary>Trains the demo network on a shapes manifest with TorchSharp on the CPU and writes a model package.</summary>
public sealed class ShapesTrainer(Action<string>? log = null)
{
    public static readonly PreprocessSpec Preprocess = new() { Mean = [0.5f, 0.5f, 0.5f], Std = [0.5f, 0.5f, 0.5f] };

    /// <summary>What the bundled demo model was trained with (docs/demo.md).</summary>
    public const double DefaultLocalisationWeight = 0.5;

    public sealed record Outcome(int TrainImages, int HeldOutImages, double HeldOutAccuracy);

    /// <param name="localisationWeight">
    /// Weight of <see cref="CamLocalisationLoss"/> next to cross-entropy, for images with a box; 0 trains on labels alone
    /// (as for the spurious-correlation demo, whose shortcut must survive training).
    /// </param>
    public async Task<Outcome> TrainAsync(string manifestPath, string packageDirectory, int epochs = 8, int seed = 0, CancellationToken ct = default,
        string architecture = "shapesnet", double localisationWeight = DefaultLocalisationWeight)
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
        using var boxes = torch.tensor(usable.SelectMany(l => items[l.Index].Boxes is [var b, ..] ? new[] { b.X0, b.Y0, b.X1, b.Y1 } : [0f, 0f, 0f,
            0f]).ToArray())
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
        Validation? validation = null;
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
            validation = Validate(model, x, y, boxes, validationIndex);
            log?.Invoke($"epoch {epoch + 1}/{epochs}: loss {lossSum / batches:F4}, held-out accuracy {validation.Accuracy:P1}, " +
                $"CAM peak in box {validation.PeakInBox:P1}");
        }
        validation ??= Validate(model, x, y, boxes, validationIndex);
        WritePackage(model, packageDirectory, labels, architecture);
        return new Outcome(usable.Count - heldOut, heldOut, validation.Accuracy);
    }

    private static int IndexOf(IReadOnlyList<string> labels, string label) =>
        labels.ToList().IndexOf(label) is var i and >= 0 ? i : throw new FormatException($"unknown label '{label}'");

    private sealed record Validation(double Accuracy, double PeakInBox);

    /// <summary>
    /// Held-out accuracy, and the share of images whose true-class CAM has its largest cell inside the box (the pointing
    /// game at map resolution, over the images whose box holds a cell centre), from one forward pass.
    /// </summary>
    private static Validation Validate(ShapesNet model, Tensor x, Tensor y, Tensor boxes, Tensor index)
    {
        model.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var target = y.index_select(0, index);
        var (logits, maps) = model.ForwardWithMaps(x.index_select(0, index), target);
        var accuracy = logits.argmax(1).eq(target).to(ScalarType.Float32).mean().item<float>();
        var (n, h, w) = (maps.shape[0], maps.shape[1], maps.shape[2]);
        var inside = CamLocalisationLoss.CellsInBox(boxes.index_select(0, index), h, w, x.shape[2], x.shape[3], maps.device);
        var hit = inside.gather(1, maps.reshape(n, h * w).argmax(1, keepdim: true));
        var boxed = inside.any(1).sum().item<long>();
        return new Validation(accuracy, boxed == 0 ? double.NaN : hit.sum().item<long>() / (double)boxed);
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
