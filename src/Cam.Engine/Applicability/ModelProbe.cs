using System.Runtime.InteropServices;
using System.Diagnostics;
using Cam.Contracts;
using Cam.Engine.Chunking;
using Cam.Engine.Methods;
using Cam.Engine.Packages;

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
    /// <param name="samples">Preprocessed images of the dataset (N, 3, H, W), for the share of active channels; null: all count.</param>
    public static ModelProbed Run(ModelPackage package, IReadOnlyList<MethodSpec> methods, IReadOnlyList<string> layers, int height, int width,
        bool measureRate, TimeSpan? rateBudget = null, Tensor? samples = null)
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
            targets = layers.Count > 0 ? layers : package.Manifest.TargetLayers.Count > 0 ? package.Manifest.TargetLayers
                : [model.LocateCandidateLayer(sampleShape)];
            var unknown = targets.FirstOrDefault(l => !model.LayerNames.Contains(l));
            if (unknown is not null) throw new ArgumentException($"it has no layer '{unknown}'");
            using var pass = model.Forward(input, targets);
            for (var i = 0; i < targets.Count; i++)
            {
                var a = pass.Activations[i];
                if (a.ndim != 4) throw new ArgumentException($"layer '{targets[i]}' gives ({string.Join(", ", a.shape)}), not (N, C, h, w)");
                shapes.Add(new LayerShape(targets[i], a.shape[1], a.shape[2], a.shape[3]));
            }
            if (samples is not null) shapes = WithActiveShares(model, samples, targets, shapes);
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
                method = CamMethods.Create(spec);
            }
            catch (ArgumentException e)
            {
                verdicts.Add(new MethodApplicability(spec.Name, false, e.Message));
                continue;
            }
            var reason = layerProblem ?? Check(method, model, input, targets, shapes);
            verdicts.Add(new MethodApplicability(spec.Name, reason is null, reason, reason is null ? Samples(method, model, targets) : 1));
        }

        var (rate, batch) = measureRate && layerProblem is null ? MeasureRate(model, sampleShape, rateBudget ?? TimeSpan.FromSeconds(3),
            samples) : (0.0, 0);
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
            if (method is AblationCam) return layers.Select(l => AblationCam.Problem(model, l)).FirstOrDefault(p => p is not null);
            if (method is LeGrad) return LeGrad.Problem(model, layers);
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

    /// <summary>Per layer, the share of (image, channel) activations of the samples that are not constant.</summary>
    private static List<LayerShape> WithActiveShares(IClassifier model, Tensor samples, IReadOnlyList<string> layers, List<LayerShape> shapes)
    {
        using var scope = NewDisposeScope();
        using var pass = model.Forward(samples.to(model.Device), layers);
        return shapes.Select((shape, i) =>
        {
            var a = pass.Activations[i].flatten(2);
            var active = (a.amax(2) > a.amin(2)).to(ScalarType.Float64).mean().item<double>();
            return shape with { ActiveShare = active };
        }).ToList();
    }

    /// <summary>What the method repeats its forwards for; for Ablation-CAM the forwards per channel: 0 where the closed form serves every layer, else
    /// 1.</summary>
    private static int Samples(CamMethod method, IClassifier model, IReadOnlyList<string> layers) => method switch
    {
        AblationCam ablation => ablation.ClosedForm && layers.All(l => model.TailAfter(l)?.PooledLinear is not null) ? 0 : 1,
        SmoothScoreCam s => s.NumSamples,
        IntegratedScoreCam s => s.NumSamples,
        SmoothGradCamPlusPlus s => s.NumSamples,
        _ => 1,
    };

    /// <summary>
    /// Images per second through plain forwards, after a warm-up, at the chunk size the Score-CAM family's masked
    /// forwards are planned with on this device (they are most of a job's forwards; a forward of one image costs
    /// several times more per image), at most 64; the median of runs timed for about <paramref name="budget"/>.
    /// </summary>
    private static (double Rate, int Batch) MeasureRate(IClassifier model, long[] sampleShape, TimeSpan budget, Tensor? samples)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var batch = Math.Clamp(new MaskChunkPlanner(new MemoryBudget()).Plan(model, sampleShape), 1, 64);
        // The dataset's own images when given (values, and so the arithmetic's speed, as in a job), else uniform noise.
        var x = samples is not null && samples.shape.Skip(1).SequenceEqual(sampleShape)
            ? samples.to(model.Device).repeat((batch + samples.shape[0] - 1) / samples.shape[0], 1, 1, 1)[..batch]
            : torch.rand([batch, .. sampleShape], device: model.Device);
        var timed = TimeForwards(model, x, budget);
        return (batch / timed.SecondsPerBatch, batch);
    }

    /// <summary>
    /// The median time of a forward of <paramref name="x"/> over runs for about <paramref name="budget"/> (two at
    /// least): a median, so that a burst of other work on a shared machine does not decide the rate.
    /// </summary>
    private static (double SecondsPerBatch, int Runs) TimeForwards(IClassifier model, Tensor x, TimeSpan budget)
    {
        model.Logits(x).Dispose();
        Synchronize(model.Device);
        var total = Stopwatch.StartNew();
        var times = new List<double>();
        do
        {
            var clock = Stopwatch.StartNew();
            model.Logits(x).Dispose();
            Synchronize(model.Device);
            times.Add(clock.Elapsed.TotalSeconds);
        } while (times.Count < 256 && (times.Count < 2 || total.Elapsed < budget));
        times.Sort();
        var middle = times.Count / 2;
        return (times.Count % 2 == 1 ? times[middle] : (times[middle - 1] + times[middle]) / 2, times.Count);
    }

    private static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
    }
}
