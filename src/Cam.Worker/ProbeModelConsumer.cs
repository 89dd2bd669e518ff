using Cam.Contracts;
using Cam.Engine.Applicability;
using Cam.Engine.Packages;
using MassTransit;

namespace Cam.Worker;

/// <summary>Answers a model probe: loads the package from the cache, checks each method, times the forward.</summary>
public sealed class ProbeModelConsumer(ModelCache models, ILogger<ProbeModelConsumer> logger) : IConsumer<ProbeModel>
{
    public async Task Consume(ConsumeContext<ProbeModel> context)
    {
        var request = context.Message;
        ModelProbed answer;
        try
        {
            using var lease = models.Rent(request.Model.Package);
            answer = ModelProbe.Run(lease.Model, request.Methods, request.TargetLayers, request.Height, request.Width, request.MeasureRate)
                with { Worker = Environment.MachineName };
        }
        catch (ModelPackageException e)
        {
            answer = new ModelProbed { Error = e.Message, Worker = Environment.MachineName };
        }
        logger.LogInformation("probed model {Model}: {Verdicts}; {Rate:F1} images/s at batch {Batch}", request.Model.Package,
            string.Join(", ", answer.Methods.Select(m => $"{m.Method} {(m.Applicable ? "applies" : "does not apply")}")), answer.ForwardsPerSecond, answer.ProbeBatch);
        await context.RespondAsync(answer);
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
