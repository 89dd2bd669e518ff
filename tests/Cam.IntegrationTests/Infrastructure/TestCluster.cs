using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cam.Contracts;
using Xunit.Abstractions;

namespace Cam.IntegrationTests.Infrastructure;

/// <summary>How a test's cluster runs; short leases so that lost shards come back within a test.</summary>
public sealed record ClusterOptions
{
    /// <summary>Workers started with the scheduler (0: the test starts them).</summary>
    public int Workers { get; init; } = 2;
    public int LeaseSeconds { get; init; } = 30;
    public int WorkerBatchSize { get; init; } = 8;
    /// <summary>The model root; the repository's samples when null.</summary>
    public string? ModelRoot { get; init; }
    /// <summary>More environment for the scheduler and the workers (CAM_SHARD_MAX_ATTEMPTS, CAM_WORKER_NOOP, …).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A scheduler and workers as child processes over the collection's PostgreSQL and RabbitMQ, which it resets first.
/// The test drives it through the scheduler's HTTP API, as a user would, and checks the database directly.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    public const string ApiKey = "integration-test-key";
    private static readonly string[] Queues = QueueNamesWithFaults(QueueNames.ExplainShard, QueueNames.ShardOutcomes);
    private static readonly HashSet<string> FinalStates = ["completed", "completed_with_errors", "failed", "cancelled"];

    private readonly ServicesFixture services;
    private readonly ITestOutputHelper log;
    private readonly ClusterOptions options;
    private readonly int schedulerPort = FreePort.Next();
    private readonly List<CamProcess> processes = [];
    private readonly HttpClient http;
    private CamProcess? scheduler;

    private TestCluster(ServicesFixture services, ITestOutputHelper log, TestDataset dataset, ClusterOptions options)
    {
        this.services = services;
        this.log = log;
        this.options = options;
        Dataset = dataset;
        http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{schedulerPort}"), Timeout = TimeSpan.FromSeconds(120) };
        http.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
    }

    public TestDataset Dataset { get; }
    public PostgresService Postgres => services.Postgres;
    public RabbitMqService RabbitMq => services.RabbitMq;
    public HttpClient Http => http;

    public static async Task<TestCluster> StartAsync(ServicesFixture services, ITestOutputHelper log, TestDataset dataset,
        ClusterOptions? options = null)
    {
        await services.Postgres.ResetAsync();
        await services.RabbitMq.ResetAsync(Queues);
        var cluster = new TestCluster(services, log, dataset, options ?? new ClusterOptions());
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            // Started together, as a deployment starts them (each declares the shard queue alike); each is waited for
            // until it is ready.
            var starting = new List<Task> { cluster.StartSchedulerAsync() };
            for (var i = 0; i < cluster.options.Workers; i++) starting.Add(cluster.StartWorkerAsync());
            await Task.WhenAll(starting);
            log.WriteLine($"scheduler and {cluster.options.Workers} workers ready in {clock.Elapsed.TotalSeconds:F1} s");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private Dictionary<string, string> CommonEnvironment() => new()
    {
        ["CAM_POSTGRES"] = Postgres.ConnectionString,
        ["CAM_RABBITMQ"] = RabbitMq.Uri,
        ["CAM_DATA_ROOT"] = Dataset.Root,
        ["CAM_MODEL_ROOT"] = options.ModelRoot ?? Path.Combine(TestEnvironment.RepositoryRoot, "samples"),
        ["CAM_SHARD_LEASE_SECONDS"] = options.LeaseSeconds.ToString(),
        // Without workers at the start, nobody answers a model probe: submissions wait for it only briefly.
        ["CAM_PROBE_TIMEOUT_SECONDS"] = options.Workers == 0 ? "2" : "60",
    };

    private Dictionary<string, string> WithExtras(Dictionary<string, string> environment)
    {
        foreach (var (key, value) in options.Environment) environment[key] = value;
        return environment;
    }

    public async Task StartSchedulerAsync()
    {
        var environment = CommonEnvironment();
        environment["CAM_API_KEY"] = ApiKey;
        environment["CAM_SCHEDULER_URLS"] = $"http://127.0.0.1:{schedulerPort}";
        scheduler = CamProcess.Start($"scheduler-{processes.Count}", "Cam.SchedulerHost", WithExtras(environment), schedulerPort);
        processes.Add(scheduler);
        await WaitReadyAsync(scheduler, schedulerPort);
    }

    public async Task<CamProcess> StartWorkerAsync()
    {
        var port = FreePort.Next();
        var environment = CommonEnvironment();
        environment["CAM_WORKER_URLS"] = $"http://127.0.0.1:{port}";
        environment["CAM_WORKER_BATCH_SIZE"] = options.WorkerBatchSize.ToString();
        environment["CAM_WORKER_STOP_TIMEOUT_SECONDS"] = "60";
        environment["CAM_SHUTDOWN_TIMEOUT_SECONDS"] = "90";
        var worker = CamProcess.Start($"worker-{processes.Count}", "Cam.WorkerHost", WithExtras(environment), port);
        processes.Add(worker);
        await WaitReadyAsync(worker, port);
        return worker;
    }

    public IReadOnlyList<CamProcess> Processes => processes;

    public IEnumerable<CamProcess> Workers => processes.Where(p => p.Name.StartsWith("worker", StringComparison.Ordinal));

    /// <summary>The status code of a process's <c>/health/ready</c>, or null when it does not answer.</summary>
    public static async Task<int?> ReadinessAsync(CamProcess process)
    {
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            return (int)(await probe.GetAsync($"http://127.0.0.1:{process.Port}/health/ready")).StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    public CamProcess Scheduler => scheduler ?? throw new InvalidOperationException("no scheduler");

    /// <summary>How long a started process may take to report ready (it fails at once if it exits).</summary>
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Polls <c>/health/ready</c> until it answers 200. Each probe waits up to 30 s for its answer: the checks (the
    /// database's among them) run within the request, and a probe that gave up sooner cancelled them: at load 50 on two
    /// cores every probe failed after 2 s while each check needed about 5 s (a worker "not ready after 90 s").
    /// </summary>
    private static async Task WaitReadyAsync(CamProcess process, int port)
    {
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var deadline = DateTime.UtcNow + ReadyDeadline;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"{process.Name} exited with {process.ExitCode}:\n" +
                    $"{string.Join('\n', process.Output.TakeLast(40))}");
            try
            {
                if ((await probe.GetAsync($"http://127.0.0.1:{port}/health/ready")).IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"{process.Name} not ready after {ReadyDeadline.TotalSeconds:F0} s:\n" +
            string.Join('\n', process.Output.TakeLast(40)));
    }

    /// <summary>Submits a job over the dataset through <c>POST /api/jobs</c>.</summary>
    public async Task<Guid> SubmitAsync(string[] methods, string classes = "top:1", int shardSize = 10, string model = "shapes-model")
    {
        var spec = new { dataset = Dataset.Manifest, model, methods = methods.Select(m => new { name = m }), classes, shardSize };
        using var response = await http.PostAsJsonAsync("/api/jobs", spec);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST /api/jobs answered {(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!["id"]!.GetValue<Guid>();
    }

    public async Task<JsonObject> JobAsync(Guid id) =>
        (await http.GetFromJsonAsync<JsonObject>($"/api/jobs/{id}"))!;

    /// <summary>The longest a wait on a job may last, however steadily it moves: a job that never ends fails.</summary>
    private static readonly TimeSpan WaitCeiling = TimeSpan.FromMinutes(20);

    /// <summary>
    /// Polls the job (through faults: an unanswered poll is tried again) until <paramref name="until"/> holds. The job
    /// may go <paramref name="stall"/> without progress: each change in its state, items done, results or shards
    /// finished moves the deadline to <paramref name="stall"/> after it, so that a job slowed by a loaded machine is
    /// waited for while one that stopped fails (within <see cref="WaitCeiling"/> in all).
    /// </summary>
    public async Task<JsonObject> WaitForAsync(Guid id, Func<JsonObject, bool> until, TimeSpan stall)
    {
        var start = DateTime.UtcNow;
        var deadline = start + stall;
        JsonObject? last = null;
        string? progress = null;
        while (DateTime.UtcNow < deadline && DateTime.UtcNow - start < WaitCeiling)
        {
            try
            {
                last = await JobAsync(id);
                if (until(last)) return last;
                var now = Progress(last);
                if (now != progress) (progress, deadline) = (now, DateTime.UtcNow + stall);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
            {
            }
            await Task.Delay(300);
        }
        var waited = (DateTime.UtcNow - start).TotalSeconds;
        throw new TimeoutException($"job {id} did not get there: {waited:F0} s in all, the last " +
            $"{stall.TotalSeconds:F0} s (or more) without progress; last seen: {last?.ToJsonString() ?? "nothing"}");
    }

    /// <summary>What moves while a job runs: its state, items done, results and shards finished.</summary>
    private static readonly string[] ProgressKeys = ["state", "done", "results", "shardsFinished"];

    private static string Progress(JsonObject job) =>
        string.Join('/', ProgressKeys.Select(key => job[key]?.ToJsonString()));

    /// <summary>Waits for the job's final state, as long as it makes progress (<see cref="WaitForAsync"/>).</summary>
    public Task<JsonObject> WaitForEndAsync(Guid id, TimeSpan stall) =>
        WaitForAsync(id, j => FinalStates.Contains(State(j)), stall);

    public static string State(JsonObject job) => job["state"]!.GetValue<string>();

    public static bool IsFinal(JsonObject? job) => job is not null && FinalStates.Contains(State(job));

    /// <summary>The job, or null when the scheduler does not answer (through faults).</summary>
    public async Task<JsonObject?> JobOrNullAsync(Guid id)
    {
        try
        {
            return await JobAsync(id);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            return null;
        }
    }

    public Task<long> ResultRowsAsync(Guid id) =>
        Postgres.ScalarAsync<long>("SELECT count(*) FROM results WHERE job_id = @id", ("id", id));

    /// <summary>Waits until the workers have stored at least <paramref name="count"/> results of the job.</summary>
    public async Task<long> WaitForResultsAsync(Guid id, long count, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var rows = await ResultRowsAsync(id);
            if (rows >= count) return rows;
            await Task.Delay(100);
        }
        throw new TimeoutException($"job {id}: fewer than {count} results after {timeout.TotalSeconds:F0} s");
    }

    private static string[] QueueNamesWithFaults(params string[] queues) =>
        queues.SelectMany(q => new[] { q, q + "_error", q + "_skipped" }).ToArray();

    public async ValueTask DisposeAsync()
    {
        foreach (var process in processes)
        {
            process.Dispose();
            log.WriteLine($"--- {process.Name} (last lines) ---");
            foreach (var line in process.Output.TakeLast(25)) log.WriteLine(line);
        }
        http.Dispose();
        await Task.CompletedTask;
    }
}
