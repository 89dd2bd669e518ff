namespace Cam.Hosting;

/// <summary>Where a host's messages travel: a RabbitMQ broker (the deployment), or memory (the embedded <c>cam run</c>).</summary>
public sealed class CamTransport
{
    private CamTransport(Uri? broker) => Broker = broker;

    /// <summary>The broker's amqp:// address; null in memory.</summary>
    public Uri? Broker { get; }

    public static CamTransport InMemory { get; } = new(null);

    public static CamTransport RabbitMq(Uri broker) => new(broker);
}
