using Cam.Contracts;
using MassTransit;

namespace Cam.Worker;

/// <summary>Consumes a shard, delegates to <see cref="ShardProcessor"/>, and reports the outcome.</summary>
public sealed class ExplainShardConsumer(ShardProcessor processor, ILogger<ExplainShardConsumer> logger) : IConsumer<ExplainShard>
{
    public async Task Consume(ConsumeContext<ExplainShard> context)
    {
        var shard = context.Message;
        try
        {
            var completed = await processor.ProcessAsync(shard, context.CancellationToken);
            logger.LogInformation("shard {Job}/{Shard} (attempt {Attempt}): {Succeeded} items explained, {Failed} failed, {Results} results in {Seconds:F1}s",
                shard.JobId, shard.ShardNumber, shard.Attempt, completed.Succeeded, completed.Failed, completed.Results, completed.Seconds);
            await context.Publish(completed, context.CancellationToken);
        }
        catch (ShardFailureException e)
        {
            logger.LogError("shard {Job}/{Shard} cannot be processed: {Reason}", shard.JobId, shard.ShardNumber, e.Message);
            await context.Publish(new ShardFailed
            {
                JobId = shard.JobId, ShardNumber = shard.ShardNumber, Attempt = shard.Attempt, Reason = e.Message, Worker = Environment.MachineName,
            }, context.CancellationToken);
        }
    }
}

/// <summary>The worker's consumer and receive endpoint: prefetch = concurrency, so queued shards go to idle workers.</summary>
public sealed class ExplainShardConsumerDefinition : ConsumerDefinition<ExplainShardConsumer>
{
    private readonly WorkerSettings settings;

    public ExplainShardConsumerDefinition(WorkerSettings settings)
    {
        this.settings = settings;
        EndpointName = QueueNames.ExplainShard;
        ConcurrentMessageLimit = settings.Concurrency;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<ExplainShardConsumer> consumer,
        IRegistrationContext context)
    {
        endpoint.PrefetchCount = settings.Concurrency;
        // Transient faults (the database away for a moment) are retried in memory; a shard that still fails goes to
        // the error queue and its lease brings it back later.
        endpoint.UseMessageRetry(r => r.Intervals(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(30)));
    }
}
