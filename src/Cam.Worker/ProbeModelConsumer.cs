using Cam.Contracts;
using Cam.Datasets;
using Cam.Engine.Preprocessing;
using Cam.Engine.Applicability;
using Cam.Engine.Packages;
using Cam.Specs;
using MassTransit;
using static TorchSharp.torch;

namespace Cam.Worker;

/// <summary>Answers a model probe: loads the package from the cache, checks each method, times the forward.</summary>
public sealed class ProbeModelConsumer(WorkerSettings settings, ModelCache models, ILogger<ProbeModelConsumer> logger) : IConsumer<ProbeModel>
{
    private readonly ImageLoader loader = new(new DataRoot(settings.DataRoot));

    public async Task Consume(ConsumeContext<ProbeModel> context)
    {
        var request = context.Message;
        if (settings.NoOpExplainer)
        {
            // A no-op worker never loads a model (it measures the pipeline alone): every method "applies" to it.
            await context.RespondAsync(new ModelProbed
            {
                Methods = request.Methods.Select(m => new MethodApplicability(m.Name, true, null)).ToList(), Device = "noop",
                Worker = Environment.MachineName,
            });
            return;
        }
        ModelProbed answer;
        try
        {
            using var lease = models.Rent(request.Model.Package);
            using var samples = Samples(request, lease.Model);
            var probed = ModelProbe.Run(lease.Model, request.Methods, request.TargetLayers, request.Height, request.Width, request.MeasureRate,
                samples: samples);
            answer = probed with { Worker = Environment.MachineName };
        }
        catch (ModelPackageException e)
        {
            answer = new ModelProbed { Error = e.Message, Worker = Environment.MachineName };
        }
        logger.LogInformation("probed model {Model}: {Verdicts}; {Rate:F1} images/s at batch {Batch}", request.Model.Package,
            string.Join(", ", answer.Methods.Select(m => $"{m.Method} {(m.Applicable ? "applies" : "does not apply")}")), answer.ForwardsPerSecond,
                answer.ProbeBatch);
        await context.RespondAsync(answer);
    }

    /// <summary>The sample images the request names, decoded and preprocessed; null when none can be used (same-size ones only).</summary>
    private Tensor? Samples(ProbeModel request, ModelPackage package)
    {
        if (request.SamplePaths.Count == 0) return null;
        var preprocessor = new Preprocessor(package.Manifest.Preprocess, package.Classifier.Device);
        var images = loader.Load(request.DatasetRoot, request.SamplePaths)
            .Where(i => i.Ok && preprocessor.Problem(i.Image!) is null).Select(i => i.Image!).ToList();
        var size = images.Select(i => package.Manifest.Preprocess.InputSize((i.Height, i.Width))).FirstOrDefault();
        images = images.Where(i => package.Manifest.Preprocess.InputSize((i.Height, i.Width)) == size).ToList();
        return images.Count == 0 ? null : preprocessor.Batch(images);
    }
}

/// <summary>The probe's queue: one probe at a time per worker, beside its shards.</summary>
public sealed class ProbeModelConsumerDefinition : ConsumerDefinition<ProbeModelConsumer>
{
    public ProbeModelConsumerDefinition()
    {
        EndpointName = QueueNames.ProbeModel;
        ConcurrentMessageLimit = 1;
    }
}
