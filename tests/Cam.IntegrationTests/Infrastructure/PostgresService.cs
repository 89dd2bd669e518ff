using Cam.Storage;
using Npgsql;
using Testcontainers.PostgreSql;

namespace Cam.IntegrationTests.Infrastructure;

/// <summary>
/// The PostgreSQL the tests run against: a Testcontainers container published on a fixed loopback port (so that it can
/// be stopped and started again under the same address), or an existing server named by <c>CAM_IT_POSTGRES</c>.
/// </summary>
public sealed class PostgresService : IAsyncDisposable
{
    private readonly PostgreSqlContainer? container;

    private PostgresService(PostgreSqlContainer? container, string connectionString)
    {
        this.container = container;
        ConnectionString = connectionString;
    }

    public string ConnectionString { get; }
    public bool CanStop => container is not null;

    public static async Task<PostgresService> StartAsync()
    {
        if (TestEnvironment.ExternalPostgres is { } external)
            return await MigratedAsync(new PostgresService(null, external));
        var container = new PostgreSqlBuilder(TestEnvironment.PostgresImage)
            .WithDatabase("cam")
            .WithUsername("cam")
            .WithPassword("cam-test")
            .WithPortBinding(FreePort.Next(), PostgreSqlBuilder.PostgreSqlPort)
            .Build();
        await container.StartAsync();
        return await MigratedAsync(new PostgresService(container, container.GetConnectionString()));
    }

    private static async Task<PostgresService> MigratedAsync(PostgresService service)
    {
        await CamMigrator.MigrateAsync(StorageSettings.Postgres(service.ConnectionString));
        return service;
    }

    /// <summary>Empties every table of the schema (the migrations stay applied).</summary>
    public async Task ResetAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand("TRUNCATE item_errors, results, items, shards, jobs RESTART IDENTITY CASCADE", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T));
    }

    public async Task<List<object[]>> RowsAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object[]>();
        while (await reader.ReadAsync())
        {
            var row = new object[reader.FieldCount];
            reader.GetValues(row);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Stops the server (clients see it go away) and starts it again after <paramref name="downtime"/>.</summary>
    public async Task OutageAsync(TimeSpan downtime)
    {
        await StopAsync();
        await Task.Delay(downtime);
        await StartAgainAsync();
    }

    public async Task StopAsync()
    {
        if (container is null) throw new InvalidOperationException("an external PostgreSQL cannot be stopped by the tests");
        await container.StopAsync();
    }

    public async Task StartAgainAsync()
    {
        if (container is null) throw new InvalidOperationException("an external PostgreSQL cannot be started by the tests");
        await container.StartAsync();
        // The tests' own pooled connections died with the server.
        NpgsqlConnection.ClearAllPools();
    }

    public async ValueTask DisposeAsync()
    {
        if (container is not null) await container.DisposeAsync();
    }
}
