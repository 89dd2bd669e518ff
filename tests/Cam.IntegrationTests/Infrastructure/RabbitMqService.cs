using RabbitMQ.Client;
using Testcontainers.RabbitMq;

namespace Cam.IntegrationTests.Infrastructure;

/// <summary>
/// The RabbitMQ the tests run against: a Testcontainers container on a fixed loopback port (so that a restarted broker
/// comes back where clients reconnect), or an existing broker named by <c>CAM_IT_RABBITMQ</c> (an amqp URI).
/// </summary>
public sealed class RabbitMqService : IAsyncDisposable
{
    private readonly RabbitMqContainer? container;

    private RabbitMqService(RabbitMqContainer? container, string uri)
    {
        this.container = container;
        Uri = uri;
    }

    /// <summary>amqp URI, as <c>CAM_RABBITMQ</c> takes it.</summary>
    public string Uri { get; }
    public bool CanRestart => container is not null;

    public static async Task<RabbitMqService> StartAsync()
    {
        if (TestEnvironment.ExternalRabbitMq is { } external) return new RabbitMqService(null, external);
        var container = new RabbitMqBuilder(TestEnvironment.RabbitMqImage)
            .WithUsername("cam")
            .WithPassword("cam-test")
            .WithPortBinding(FreePort.Next(), RabbitMqBuilder.RabbitMqPort)
            .Build();
        await container.StartAsync();
        return new RabbitMqService(container, container.GetConnectionString());
    }

    public async Task<IConnection> ConnectAsync() =>
        await new ConnectionFactory { Uri = new Uri(Uri), ClientProvidedName = "cam-integration-tests" }.CreateConnectionAsync();

    /// <summary>Deletes the queues a previous test may have left messages in.</summary>
    public async Task ResetAsync(IEnumerable<string> queues)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var queue in queues) await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
    }

    /// <summary>Messages ready in a queue, or null when the queue does not exist.</summary>
    public async Task<uint?> MessageCountAsync(string queue)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            return null;
        }
    }

    /// <summary>Stops the broker (every connection drops) and starts it again after <paramref name="downtime"/>.</summary>
    public async Task RestartAsync(TimeSpan downtime)
    {
        await StopAsync();
        await Task.Delay(downtime);
        await StartAgainAsync();
    }

    public async Task StopAsync()
    {
        if (container is null) throw new InvalidOperationException("an external RabbitMQ cannot be stopped by the tests");
        await container.StopAsync();
    }

    public async Task StartAgainAsync()
    {
        if (container is null) throw new InvalidOperationException("an external RabbitMQ cannot be started by the tests");
        await container.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (container is not null) await container.DisposeAsync();
    }
}
