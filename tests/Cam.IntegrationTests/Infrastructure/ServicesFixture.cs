namespace Cam.IntegrationTests.Infrastructure;

/// <summary>One PostgreSQL and one RabbitMQ for the whole collection; each test resets them (see <see cref="TestCluster"/>).</summary>
public sealed class ServicesFixture : IAsyncLifetime
{
    public PostgresService Postgres { get; private set; } = null!;
    public RabbitMqService RabbitMq { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // The local images stand in for Docker Hub, which also serves Testcontainers' resource reaper (Ryuk):
        // without it, containers are removed by DisposeAsync below.
        if (TestEnvironment.UsesLocalImages && Environment.GetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED") is null)
            Environment.SetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED", "true");
        var postgres = PostgresService.StartAsync();
        var rabbit = RabbitMqService.StartAsync();
        Postgres = await postgres;
        RabbitMq = await rabbit;
    }

    public async Task DisposeAsync()
    {
        if (Postgres is not null) await Postgres.DisposeAsync();
        if (RabbitMq is not null) await RabbitMq.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ServicesFixture>
{
    public const string Name = "cluster";
}
