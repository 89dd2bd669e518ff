using Cam.Contracts;
using Cam.Storage;
using MassTransit;

namespace Cam.Scheduler.Jobs;

/// <summary>Counts a finished shard into its job (once, however often the message arrives) and ends the job when it is done.</summary>
public sealed class ShardCompletedConsumer(JobStore store) : IConsumer<ShardCompleted>
{
    public async Task Consume(ConsumeContext<ShardCompleted> context)
    {
        if (await store.TryCompleteShardAsync(context.Message, context.CancellationToken))
            await store.TryFinishJobAsync(context.Message.JobId, context.CancellationToken);
    }
}

/// <summary>Records a shard that cannot be processed: its items become item errors with the reason.</summary>
public sealed class ShardFailedConsumer(JobStore store) : IConsumer<ShardFailed>
{
    public async Task Consume(ConsumeContext<ShardFailed> context)
    {
        if (await store.TryFailShardAsync(context.Message, context.CancellationToken))
            await store.TryFinishJobAsync(context.Message.JobId, context.CancellationToken);
    }
}
