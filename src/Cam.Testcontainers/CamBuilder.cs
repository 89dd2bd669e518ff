namespace Cam.Testcontainers;

/// <summary>
/// Describes a Cam in containers: PostgreSQL, RabbitMQ, the scheduler and <see cref="WithWorkers"/> CPU workers on one
/// network, the scheduler and workers as the Kubernetes manifests run them (uid 10001, read-only root file system,
/// a writable <c>/tmp</c>, <c>/data</c> and <c>/models</c> mounted read-only). <see cref="Build"/> gives the
/// <see cref="CamCluster"/> to start.
/// </summary>
public sealed class CamBuilder
{
    private readonly Dictionary<string, string> environment = new(StringComparer.Ordinal);
    private readonly List<(string HostPath, string Name)> models = [];
    private int workers = 1;
    private string? dataset;
    private string schedulerImage = CamImages.Scheduler;
    private string workerImage = CamImages.Worker;
    private string postgresImage = CamImages.Postgres;
    private string rabbitMqImage = CamImages.RabbitMq;

    /// <summary>How many workers start with the scheduler (0 or more; <see cref="CamCluster.AddWorkerAsync"/> adds more).</summary>
    public CamBuilder WithWorkers(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        workers = count;
        return this;
    }

    /// <summary>The data root, mounted read-only at <c>/data</c>: a job's <c>dataset</c> is relative to it.</summary>
    public CamBuilder WithDataset(string hostDirectory)
    {
        dataset = ReadableDirectory(hostDirectory, "dataset");
        return this;
    }

    /// <summary>
    /// A model package folder (model.json and its weights), mounted read-only at <c>/models/NAME</c> (its folder's
    /// name unless given): a job's <c>model</c> is that name. May be called for several models.
    /// </summary>
    public CamBuilder WithModel(string hostDirectory, string? name = null)
    {
        var path = ReadableDirectory(hostDirectory, "model");
        if (!File.Exists(Path.Combine(path, "model.json")))
            throw new ArgumentException($"model folder '{path}' has no model.json", nameof(hostDirectory));
        name ??= Path.GetFileName(path);
        if (name.Length == 0 || name.Contains('/') || name is "." or "..")
            throw new ArgumentException($"'{name}' is not a model name", nameof(name));
        if (models.Any(m => m.Name == name)) throw new ArgumentException($"a model named '{name}' is already mounted", nameof(name));
        models.Add((path, name));
        return this;
    }

    /// <summary>A setting for the scheduler and the workers (<c>CAM_SHARD_LEASE_SECONDS</c>, <c>CAM_SHARD_SIZE</c>, …).</summary>
    public CamBuilder WithEnvironment(string name, string value)
    {
        if (!name.StartsWith("CAM_", StringComparison.Ordinal))
            throw new ArgumentException($"'{name}' is not a Cam setting (CAM_...)", nameof(name));
        environment[name] = value;
        return this;
    }

    /// <summary>The scheduler and worker images (defaults: <see cref="CamImages"/>).</summary>
    public CamBuilder WithImages(string scheduler, string worker)
    {
        schedulerImage = scheduler;
        workerImage = worker;
        return this;
    }

    /// <summary>The PostgreSQL and RabbitMQ images (defaults: <c>postgres:15</c>, <c>rabbitmq:3.13</c>).</summary>
    public CamBuilder WithInfrastructureImages(string postgres, string rabbitMq)
    {
        postgresImage = postgres;
        rabbitMqImage = rabbitMq;
        return this;
    }

    /// <summary>The containers, not started yet: <c>await cluster.StartAsync()</c>.</summary>
    public CamCluster Build() => new(new CamClusterOptions(workers,
        dataset ?? throw new InvalidOperationException("WithDataset: a Cam needs a data root to mount at /data"),
        models.Count > 0 ? models.ToList() : throw new InvalidOperationException("WithModel: a Cam needs a model package"),
        new Dictionary<string, string>(environment), schedulerImage, workerImage, postgresImage, rabbitMqImage));

    /// <summary>
    /// The full path of a folder the containers' user (uid 10001) can read: others need read and search permission
    /// on it, since the bind mount keeps the host's owner and mode.
    /// </summary>
    private static string ReadableDirectory(string hostDirectory, string what)
    {
        var path = Path.GetFullPath(hostDirectory).TrimEnd('/');
        if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{what} folder '{path}' does not exist");
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(path);
            if (!mode.HasFlag(UnixFileMode.OtherRead) || !mode.HasFlag(UnixFileMode.OtherExecute))
                throw new ArgumentException($"{what} folder '{path}' is not readable by the containers' user (uid 10001): " +
                                            "give others read and search permission (chmod o+rx)", nameof(hostDirectory));
        }
        return path;
    }
}

/// <summary>What <see cref="CamBuilder"/> collected.</summary>
internal sealed record CamClusterOptions(int Workers, string Dataset, IReadOnlyList<(string HostPath, string Name)> Models,
    IReadOnlyDictionary<string, string> Environment, string SchedulerImage, string WorkerImage, string PostgresImage,
    string RabbitMqImage);
