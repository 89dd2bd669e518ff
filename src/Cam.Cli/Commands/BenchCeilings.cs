using Cam.Engine;
using Cam.Engine.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Cli.Commands;

/// <summary>
/// What a method's work costs at the least, measured on the same model, device and batch as the explanation: the
/// forwards (at the masked forwards' precision and chunk size) and, for gradient methods, the forward kept with its graph
/// and the backward passes.
/// </summary>
internal static class BenchCeilings
{
    /// <summary>Images per second of plain forwards at the given chunk size (after one warm-up chunk, at least 2 s timed).</summary>
    public static double ForwardImagesPerSecond(IClassifier model, int chunkSize, int size)
    {
        using var scope = NewDisposeScope();
        var x = torch.randn(chunkSize, 3, size, size, device: model.Device);
        model.Logits(x).Dispose();
        Synchronize(model.Device);
        var images = 0;
        var clock = Stopwatch.StartNew();
        while (images < 3 * chunkSize || clock.Elapsed.TotalSeconds < 2)
        {
            model.Logits(x).Dispose();
            images += chunkSize;
        }
        Synchronize(model.Device);
        return images / clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Seconds of one forward kept with its graph and <paramref name="backwards"/> backward passes from class scores to the
    /// layers, on this batch: the least a gradient method does per explanation (the best of three after a warm-up).
    /// </summary>
    public static double ForwardBackwardSeconds(IClassifier model, Tensor input, IReadOnlyList<string> layers, int backwards)
    {
        double Once()
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            using var pass = model.ForwardWithGraph(input, layers);
            using var classes = torch.zeros(input.shape[0], backwards, dtype: ScalarType.Int64, device: model.Device);
            for (var k = 0; k < backwards; k++)
                foreach (var g in ScoreGradients.Of(pass, classes, k)) g.Dispose();
            Synchronize(model.Device);
            return clock.Elapsed.TotalSeconds;
        }
        Once();
        return Enumerable.Range(0, 3).Min(_ => Once());
    }

    /// <summary>
    /// Seconds of one forward of the batch kept with its graph from the input and <paramref name="backwards"/> backward
    /// passes from class scores to the input: FullGrad's least work (the best of three after a warm-up).
    /// </summary>
    public static double InputGradientSeconds(IClassifier model, Tensor input, int backwards)
    {
        double Once()
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var x = input.detach().clone().requires_grad_(true);
            using var pass = model.ForwardWithGraph(x, []);
            using var grad = enable_grad();
            for (var k = 0; k < backwards; k++)
            {
                var score = pass.Logits.select(1, k).sum();
                torch.autograd.backward([score], retain_graph: k < backwards - 1, inputs: [x]);
                x.grad = null;
            }
            Synchronize(model.Device);
            return clock.Elapsed.TotalSeconds;
        }
        Once();
        return Enumerable.Range(0, 3).Min(_ => Once());
    }

    public static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) torch.cuda.synchronize(device);
    }
}
