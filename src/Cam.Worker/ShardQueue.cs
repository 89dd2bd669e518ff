using Cam.Contracts;
using MassTransit;

namespace Cam.Worker;

/// <summary>The worker's side of the shard queue's declaration on RabbitMQ (<see cref="QueueNames.ShardQueueArguments"/>).</summary>
public static class ShardQueue
{
    /// <summary>
    /// A quorum queue counts deliveries: a message whose consumer dies before acknowledging it (a worker killed by a
    /// stack overflow or the out-of-memory killer) is dead-lettered after <see cref="QueueNames.ShardDeliveryLimit"/>
    /// redeliveries instead of taking down every worker in turn.
    /// </summary>
    public static void Configure(IRabbitMqReceiveEndpointConfigurator endpoint)
    {
        foreach (var (key, value) in QueueNames.ShardQueueArguments) endpoint.SetQueueArgument(key, value);
    }
}
