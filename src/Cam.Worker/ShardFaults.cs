using Cam.Storage;

namespace Cam.Worker;

/// <summary>
/// Transport and database errors are transient: the shard is retried in place, as it is. Anything else is a
/// permanent fault of this attempt (a model that does not load, an error in the engine) and is reported as such.
/// </summary>
public static class ShardFaults
{
    public static bool IsTransient(Exception error)
    {
        if (DatabaseFaults.IsTransient(error)) return true;
        for (var e = error; e is not null; e = e.InnerException)
        {
            if (e is MassTransit.ConnectionException or MassTransit.TransportUnavailableException
                or RabbitMQ.Client.Exceptions.OperationInterruptedException or RabbitMQ.Client.Exceptions.BrokerUnreachableException
                or RabbitMQ.Client.Exceptions.ConnectFailureException)
                return true;
        }
        return false;
    }

    /// <summary>The reason recorded for a permanent fault: the message, with the type when the message alone says little.</summary>
    public static string Reason(Exception error) =>
        error is ShardFailureException ? error.Message : $"{error.GetType().Name}: {error.Message}";
}
