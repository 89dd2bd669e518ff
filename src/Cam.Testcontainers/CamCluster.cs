using System.Security.Cryptography;
using Cam.Client;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Networks;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace Cam.Testcontainers;

/// <summary>
/// A Cam in containers (<see cref="CamBuilder"/>): after <see cref="StartAsync"/>, <see cref="Client"/> talks to its
/// scheduler with the API key generated for this cluster, and the connection strings reach its PostgreSQL and
/// RabbitMQ from the host. Disposing removes every container and the network.
/// </summary>
public sealed class CamCluster : IAsyncDisposable
{
    public const int SchedulerPort = 8080;
    public const int WorkerPort = 8081;
    private const string PostgresAlias = "postgres";
    private const string RabbitMqAlias = "rabbitmq";

    private readonly CamClusterOptions options;
    private readonly string postgresPassword = Secret();
    private readonly string rabbitMqPassword = Secret();
    private readonly INetwork network;
    private readonly PostgreSqlContainer postgres;
    private readonly RabbitMqContainer rabbitMq;
    private readonly IContainer scheduler;
    private readonly List<IContainer> workers = [];
    private CamClient? client;

    internal CamCluster(CamClusterOptions options)
    {
        this.options = options;
        network = new NetworkBuilder().WithName($"cam-{Guid.NewGuid():N}").Build();
        postgres = new PostgreSqlBuilder(options.PostgresImage).WithNetwork(network).WithNetworkAliases(PostgresAlias)
            .WithDatabase("cam").WithUsername("cam").WithPassword(postgresPassword).Build();
        rabbitMq = new RabbitMqBuilder(options.RabbitMqImage).WithNetwork(network).WithNetworkAliases(RabbitMqAlias)
            .WithUsername("cam").WithPassword(rabbitMqPassword).Build();
        scheduler = CamContainer(options.SchedulerImage, SchedulerPort)
            .WithNetworkAliases("scheduler")
            .WithEnvironment("CAM_API_KEY", ApiKey)
            .WithEnvironment("CAM_MIGRATE_ON_START", "1") // one scheduler: it migrates the fresh database itself
            .Build();
    }

    /// <summary>The scheduler's API key, generated for this cluster.</summary>
    public string ApiKey { get; } = Secret();

    /// <summary>The scheduler's jobs API on the host.</summary>
    public Uri SchedulerUrl => new($"http://{scheduler.Hostname}:{scheduler.GetMappedPublicPort(SchedulerPort)}/");

    /// <summary>A typed client of the scheduler, with <see cref="ApiKey"/>.</summary>
    public CamClient Client => client ?? throw new InvalidOperationException("the cluster is not started");

    /// <summary>Npgsql connection string of the jobs database, from the host.</summary>
    public string PostgresConnectionString => postgres.GetConnectionString();

    /// <summary>AMQP URI of the broker, from the host.</summary>
    public string RabbitMqConnectionString => rabbitMq.GetConnectionString();

    public IContainer Scheduler => scheduler;
    public IReadOnlyList<IContainer> Workers => workers;

    /// <summary>Starts PostgreSQL and RabbitMQ, then the scheduler (which migrates the database), then the workers.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        await network.CreateAsync(ct);
        await Task.WhenAll(postgres.StartAsync(ct), rabbitMq.StartAsync(ct));
        await scheduler.StartAsync(ct);
        client = new CamClient(SchedulerUrl, ApiKey);
        await Task.WhenAll(Enumerable.Range(0, options.Workers).Select(_ => AddWorkerAsync(ct)));
    }

    /// <summary>Starts one more worker; answers it once it is ready.</summary>
    public async Task<IContainer> AddWorkerAsync(CancellationToken ct = default)
    {
        var worker = CamContainer(options.WorkerImage, WorkerPort).Build();
        lock (workers) workers.Add(worker);
        await worker.StartAsync(ct);
        return worker;
    }

    /// <summary>Kills a container at once (SIGKILL), as a crashed node or an OOM kill would: no graceful shutdown.</summary>
    public static async Task KillAsync(IContainer container, CancellationToken ct = default)
    {
        using var docker = TestcontainersSettings.OS.DockerEndpointAuthConfig.GetDockerClientBuilder(Guid.NewGuid()).Build();
        await docker.Containers.KillContainerAsync(container.Id, new ContainerKillParameters { Signal = "KILL" }, ct);
    }

    /// <summary>The scheduler or a worker: the manifests' security context, the mounts, the connections, the settings.</summary>
    private ContainerBuilder CamContainer(string image, int port)
    {
        var builder = new ContainerBuilder(image)
            .WithNetwork(network)
            .WithPortBinding(port, true)
            .WithEnvironment("CAM_POSTGRES", $"Host={PostgresAlias};Port=5432;Username=cam;Password={postgresPassword};Database=cam")
            .WithEnvironment("CAM_RABBITMQ", $"amqp://cam:{rabbitMqPassword}@{RabbitMqAlias}:5672/")
            .WithEnvironment("CAM_DATA_ROOT", "/data")
            .WithEnvironment("CAM_MODEL_ROOT", "/models")
            .WithEnvironment(new Dictionary<string, string>(options.Environment))
            .WithBindMount(options.Dataset, "/data", AccessMode.ReadOnly)
            .WithTmpfsMount("/tmp")
            .WithCreateParameterModifier(create =>
            {
                create.User = CamImages.User;
                create.HostConfig ??= new HostConfig();
                create.HostConfig.ReadonlyRootfs = true;
                create.HostConfig.CapDrop = ["ALL"];
                create.HostConfig.SecurityOpt = ["no-new-privileges"];
            })
            .WithWaitStrategy(Wait.ForUnixContainer()
                .UntilHttpRequestIsSucceeded(request => request.ForPort((ushort)port).ForPath("/health/ready")));
        foreach (var (hostPath, name) in options.Models)
            builder = builder.WithBindMount(hostPath, $"/models/{name}", AccessMode.ReadOnly);
        return builder;
    }

    private static string Secret() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    public async ValueTask DisposeAsync()
    {
        client?.Dispose();
        foreach (var worker in workers) await worker.DisposeAsync();
        await scheduler.DisposeAsync();
        await rabbitMq.DisposeAsync();
        await postgres.DisposeAsync();
        await network.DisposeAsync();
    }
}
