using Cam.Contracts;
using MassTransit;

namespace Cam.Worker;

/// <summary>Consumes a shard, delegates to <see cref="ShardRunner"/>, and reports the outcome.</summary>
public sealed class ExplainShardConsumer(ShardRunner runner, ILogger<ExplainShardConsumer> logger) : IConsumer<ExplainShard>
{
    public async Task Consume(ConsumeContext<ExplainShard> context)
    {
        var shard = context.Message;
        switch (await runner.RunAsync(shard, context.CancellationToken))
        {
            case ShardRunOutcome.Completed(var completed):
                logger.LogInformation("shard {Job}/{Shard} (attempt {Attempt}): {Succeeded} items explained, {Failed} failed, {Results} results " +
                    "in {Seconds:F1}s",
                    shard.JobId, shard.ShardNumber, completed.Attempt, completed.Succeeded, completed.Failed, completed.Results, completed.Seconds);
                try
                {
                    await PublishAsync(context, completed);
                }
                catch (TimeoutException e)
                {
                    // The shard is completed in the database already; the scheduler ends the job without the report.
                    logger.LogWarning("shard {Job}/{Shard}: completed, but its report was not sent: {Reason}", shard.JobId, shard.ShardNumber,
                        e.Message);
                }
                break;
            case ShardRunOutcome.Failed(var failed):
                logger.LogError("shard {Job}/{Shard} (attempt {Attempt}) failed: {Reason}", shard.JobId, shard.ShardNumber, failed.Attempt,
                    failed.Reason);
                await PublishAsync(context, failed);
                break;
            case ShardRunOutcome.Dropped(var why):
                logger.LogInformation("shard {Job}/{Shard} (message of attempt {Attempt}) dropped: {Why}", shard.JobId, shard.ShardNumber,
                    shard.Attempt, why);
                break;
        }
    }

    /// <summary>
    /// Publishes within <see cref="ReportTimeout"/>: after a broker restart a publish can wait on a connection that
    /// never comes back, which would hold this worker's slot for good. A timeout is transient (the message is retried).
    /// </summary>
    private static async Task PublishAsync<T>(ConsumeContext context, T report) where T : class
    {
        using var publishing = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        publishing.CancelAfter(ReportTimeout);
        try
        {
            await context.Publish(report, publishing.Token);
        }
        catch (OperationCanceledException e) when (!context.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the broker did not take the {typeof(T).Name} report within {ReportTimeout.TotalSeconds}s", e);
        }
    }

    private static readonly TimeSpan ReportTimeout = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The worker's consumer and receive endpoint: prefetch = concurrency, so queued shards go to idle workers. On
/// RabbitMQ the queue is a quorum queue with a delivery limit (see <see cref="ShardQueue"/>).
/// </summary>
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
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit) ShardQueue.Configure(rabbit);
        // Only transient faults get here (the database or the broker away for a moment): retried in memory; a shard
        // that still cannot be stored goes to the error queue, and its claim running out brings it back.
        endpoint.UseMessageRetry(r => r.Intervals(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(15),
            TimeSpan.FromSeconds(30)));
    }
}
