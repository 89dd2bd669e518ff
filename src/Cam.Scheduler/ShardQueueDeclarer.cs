using Cam.Contracts;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RabbitMQ.Client;

namespace Cam.Scheduler;

/// <summary>
/// Declares the shard queue on RabbitMQ, with the arguments the workers declare it with
/// (<see cref="QueueNames.ShardQueueArguments"/>), before any worker exists: shards then wait in the queue (and the
/// autoscaler sees them) however many workers there are. The dead-letter exchange and MassTransit's error queue,
/// which inherits the shard queue's arguments, are declared alike. Tried until the broker answers; the scheduler
/// is not ready before.
/// </summary>
public sealed class ShardQueueDeclarer(Uri broker, ILogger<ShardQueueDeclarer> logger) : BackgroundService, IHealthCheck
{
    private volatile bool declared;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!declared)
        {
            try
            {
                await DeclareAsync(stoppingToken);
                declared = true;
                logger.LogInformation("shard queue {Queue} declared (quorum, delivery limit {Limit})", QueueNames.ExplainShard,
                    QueueNames.ShardDeliveryLimit);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("the shard queue could not be declared, trying again in 5s: {Reason}", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    private async Task DeclareAsync(CancellationToken ct)
    {
        var factory = new ConnectionFactory { Uri = broker, ClientProvidedName = "cam-scheduler-topology" };
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        var arguments = QueueNames.ShardQueueArguments.ToDictionary(a => a.Key, a => (object?)a.Value);
        foreach (var name in new[] { QueueNames.ExplainShard, QueueNames.ShardDeadLetterExchange })
        {
            await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: ct);
            await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: ct);
            await channel.QueueBindAsync(name, name, "", cancellationToken: ct);
        }
    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(declared ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the shard queue is not declared yet"));
}
