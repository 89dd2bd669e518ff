using System.Net.Sockets;
using Npgsql;

namespace Cam.Cli.Commands.PipelineBench;

/// <summary>The PostgreSQL and RabbitMQ a pipeline benchmark runs against: given, or named as missing; reachable, or said not to be.</summary>
public sealed record BenchServices(string Postgres, string RabbitMq)
{
    /// <summary>The services from the options or the environment, or what is missing (nothing is started in that case).</summary>
    public static (BenchServices? Services, IReadOnlyList<string> Missing) Resolve(string? postgres, string? rabbitMq)
    {
        postgres ??= CliSettings.Current.Postgres;
        rabbitMq ??= CliSettings.Current.RabbitMq;
        var missing = new List<string>();
        if (postgres is null) missing.Add("PostgreSQL: --postgres CONNECTION_STRING or CAM_POSTGRES");
        if (rabbitMq is null) missing.Add("RabbitMQ: --rabbitmq amqp://USER:PASSWORD@HOST:5672/ or CAM_RABBITMQ");
        return (missing.Count == 0 ? new BenchServices(postgres!, rabbitMq!) : null, missing);
    }

    /// <summary>Problems reaching either service (empty when both answer).</summary>
    public async Task<IReadOnlyList<string>> UnreachableAsync(CancellationToken ct)
    {
        var problems = new List<string>();
        try
        {
            await using var connection = new NpgsqlConnection(Postgres);
            await connection.OpenAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException or TimeoutException)
        {
            problems.Add($"PostgreSQL ({Describe(Postgres)}) cannot be reached: {e.Message}");
        }
        if (!Uri.TryCreate(RabbitMq, UriKind.Absolute, out var broker) || broker.Scheme is not ("amqp" or "rabbitmq"))
        {
            problems.Add($"RabbitMQ: '{RabbitMq}' is not an amqp:// URI");
            return problems;
        }
        try
        {
            using var tcp = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await tcp.ConnectAsync(broker.Host, broker.Port > 0 ? broker.Port : 5672, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            problems.Add($"RabbitMQ ({broker.Host}:{(broker.Port > 0 ? broker.Port : 5672)}) cannot be reached: {e.Message}");
        }
        return problems;
    }

    private static string Describe(string connectionString)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            return $"{builder.Host}:{builder.Port}/{builder.Database}";
        }
        catch (ArgumentException)
        {
            return "connection string";
        }
    }
}
