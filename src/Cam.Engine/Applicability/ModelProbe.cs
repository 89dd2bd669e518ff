using System.Runtime.InteropServices;
using System.Diagnostics;
using Cam.Contracts;
using Cam.Engine.Chunking;
using Cam.Engine.Methods;
using Cam.Engine.Packages;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Applicability;

/// <summary>
/// Before any image is read: can each method explain this model on these layers, and how fast does the model run?
/// A few forwards of random inputs decide it — the layers' shapes (token outputs must fold into a grid), CAM's head
/// (<see cref="CamHeadCheck"/>), autograd from the class scores back to the layers for the gradient methods — and a
/// short timed run of plain forwards gives the rate a cost preview multiplies by.
/// </summary>
public static class ModelProbe
{
    /// <summary>Probes <paramref name="package"/> for <paramref name="methods"/>; never throws for a method that does not apply.</summary>
    /// <param name="layers">The job's target layers; the package's, or the candidate layer, when empty.</param>
    public static ModelProbed Run(ModelPackage package, IReadOnlyList<MethodSpec> methods, IReadOnlyList<string> layers, int height, int width,
        bool measureRate, TimeSpan? rateBudget = null)
    {
        var model = package.Classifier;
        var sampleShape = new long[] { 3, height, width };
        using var scope = NewDisposeScope();
        using var generator = new Generator(20261207, CPU);
        var input = torch.randn([2, .. sampleShape], generator: generator).to(model.Device);
        string? layerProblem = null;
        IReadOnlyList<string> targets = [];
        var shapes = new List<LayerShape>();
        try
        {
            targets = layers.Count > 0 ? layers : package.Manifest.TargetLayers.Count > 0 ? package.Manifest.TargetLayers : [model.LocateCandidateLayer(sampleShape)];
            var unknown = targets.FirstOrDefault(l => !model.LayerNames.Contains(l));
            if (unknown is not null) throw new ArgumentException($"it has no layer '{unknown}'");
            using var pass = model.Forward(input, targets);
            for (var i = 0; i < targets.Count; i++)
            {
                var a = pass.Activations[i];
                if (a.ndim != 4) throw new ArgumentException($"layer '{targets[i]}' gives ({string.Join(", ", a.shape)}), not (N, C, h, w)");
                shapes.Add(new LayerShape(targets[i], a.shape[1], a.shape[2], a.shape[3]));
            }
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ExternalException)
        {
            layerProblem = e.Message.Split('\n')[0];
        }

        var verdicts = new List<MethodApplicability>();
        foreach (var spec in methods)
        {
            CamMethod method;
            try
            {
                method = CamMethods.Create(spec.Name, new MethodOptions
                {
                    NumSamples = spec.NumSamples, Std = spec.Std, Seed = spec.Seed, Convention = MethodConventions.Parse(spec.Convention),
                });
            }
            catch (ArgumentException e)
            {
                verdicts.Add(new MethodApplicability(spec.Name, false, e.Message));
                continue;
            }
            var reason = layerProblem ?? Check(method, model, input, targets, shapes);
            verdicts.Add(new MethodApplicability(spec.Name, reason is null, reason, Samples(method)));
        }

        var (rate, batch) = measureRate && layerProblem is null ? MeasureRate(model, sampleShape, rateBudget ?? TimeSpan.FromSeconds(1)) : (0.0, 0);
        return new ModelProbed
        {
            Methods = verdicts, Layers = shapes, ForwardsPerSecond = rate, ProbeBatch = batch, Device = model.Device.ToString(),
        };
    }

    /// <summary>Why <paramref name="method"/> cannot explain the model on these layers, or null when it can.</summary>
    private static string? Check(CamMethod method, IClassifier model, Tensor input, IReadOnlyList<string> layers, IReadOnlyList<LayerShape> shapes)
    {
        try
        {
            method.Validate(layers);
            method.CheckApplies(model);
            if (method is ClassActivationMap cam) return CamHeadCheck.Problem(model, cam.FcLayer, input, layers[0], shapes[0]);
            if (method.UsesScoreGradients) return GradientProblem(model, input, layers);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ExternalException)
        {
            return e.Message.Split('\n')[0];
        }
    }

    /// <summary>One forward kept with its graph and one backward from the top class's score to every target layer.</summary>
    private static string? GradientProblem(IClassifier model, Tensor input, IReadOnlyList<string> layers)
    {
        using var scope = NewDisposeScope();
        using var pass = model.ForwardWithGraph(input, layers);
        using var classes = pass.Logits.detach().argmax(1, keepdim: true);
        try
        {
            foreach (var g in ScoreGradients.Of(pass, classes, 0)) g.Dispose();
            return null;
        }
        catch (InvalidOperationException e)
        {
            return $"no gradient reaches the target layers: {e.Message}";
        }
    }

    private static int Samples(CamMethod method) => method switch
    {
        SmoothScoreCam s => s.NumSamples,
        IntegratedScoreCam s => s.NumSamples,
        SmoothGradCamPlusPlus s => s.NumSamples,
        _ => 1,
    };

    /// <summary>
    /// Images per second through plain forwards, after a warm-up, at the chunk size the Score-CAM family's masked
    /// forwards would be planned with on this device (they are most of a job's forwards), but no larger than a batch
    /// that takes about a quarter of <paramref name="budget"/>; timed for about <paramref name="budget"/>.
    /// </summary>
    private static (double Rate, int Batch) MeasureRate(IClassifier model, long[] sampleShape, TimeSpan budget)
    {
        using var _ = no_grad();
        var single = TimeForwards(model, sampleShape, 1, TimeSpan.Zero);
        var chunk = new MaskChunkPlanner(new MemoryBudget()).Plan(model, sampleShape);
        var affordable = (int)Math.Max(1, budget.TotalSeconds / 4 / Math.Max(single.SecondsPerBatch, 1e-6));
        var batch = Math.Clamp(Math.Min(chunk, affordable), 1, 64);
        var timed = TimeForwards(model, sampleShape, batch, budget);
        return (batch / timed.SecondsPerBatch, batch);
    }

    private static (double SecondsPerBatch, int Runs) TimeForwards(IClassifier model, long[] sampleShape, int batch, TimeSpan budget)
    {
        using var scope = NewDisposeScope();
        var x = torch.rand([batch, .. sampleShape], device: model.Device);
        model.Logits(x).Dispose();
        Synchronize(model.Device);
        var minRuns = budget > TimeSpan.Zero ? 2 : 1;
        var clock = Stopwatch.StartNew();
        var runs = 0;
        do
        {
            model.Logits(x).Dispose();
            Synchronize(model.Device);
            runs++;
        } while (runs < 256 && (runs < minRuns || clock.Elapsed < budget));
        return (clock.Elapsed.TotalSeconds / runs, runs);
    }

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
    }
}
