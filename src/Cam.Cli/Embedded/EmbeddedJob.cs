using Cam.Contracts;
using Cam.Engine.Precision;
using Cam.Hosting;
using Cam.Scheduler;
using Cam.Scheduler.Api;
using Cam.Scheduler.Jobs;
using Cam.Scheduler.Planning;
using Cam.Specs;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cam.Cli.Embedded;

/// <summary>What an embedded run needs: the job, where its data and models live, and where to put the database.</summary>
public sealed record EmbeddedOptions(JobSpec Spec, string DataRoot, string ModelRoot, string DatabasePath, int Workers, bool NoOpExplainer = false)
{
    /// <summary>Decoded pixels per batch of each in-process worker (<see cref="WorkerSettings.MaxBatchPixels"/>).</summary>
    public long MaxBatchPixels { get; init; } = WorkerSettings.DefaultMaxBatchPixels;
    /// <summary>Precision of the in-process workers' masked forwards (<see cref="WorkerSettings.Precision"/>).</summary>
    public ForwardPrecision? Precision { get; init; }
    /// <summary>How long submission waits for the in-process worker's model probe (<see cref="SchedulerSettings.ProbeTimeout"/>); zero: no
    /// probe.</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Serves the scheduler's live page and <c>/metrics</c> on this local port while the job runs (<c>--serve</c>); none when
    /// null.</summary>
    public int? ServePort { get; init; }
}

public sealed record EmbeddedSummary(Guid JobId, string State, long Items, long Succeeded, long Failed, long Results, double Seconds,
    double ImagesPerSecond, string DatabasePath, string? Error)
{
    /// <summary>Results and failures per method.</summary>
    public IReadOnlyList<MethodTally> Methods { get; init; } = [];
    /// <summary>Item labels the model has no class for (left out of the accuracy), with their item counts.</summary>
    public IReadOnlyList<UnknownLabel> UnknownLabels { get; init; } = [];
    /// <summary>The in-process workers' batches: waiting for decoded images, preprocessing, methods; null without batches.</summary>
    public InputWaitTotals? Inputs { get; init; }
}

/// <summary>
/// The scheduler and N workers in one process, with MassTransit's in-memory transport and SQLite: the same services
/// as the distributed deployment, wired together.
/// </summary>
public static class EmbeddedJob
{
    /// <param name="plan">Given the job's cost preview before it starts (the model probed in process, the dataset counted); no preview when
    /// null.</param>
    public static async Task<EmbeddedSummary> RunAsync(EmbeddedOptions options, Action<JobView>? progress = null, CancellationToken ct = default,
        Action<CostPlan>? plan = null)
    {
        using var host = Build(options, ct);
        await host.Services.GetRequiredService<CamMigrator>().MigrateAsync(ct);
        await host.StartAsync(ct);
        var clock = Stopwatch.StartNew();
        var store = host.Services.GetRequiredService<JobStore>();
        Guid? id = null;
        try
        {
            if (plan is not null) plan(await host.Services.GetRequiredService<JobService>().PlanAsync(options.Spec, options.Workers, ct));
            clock.Restart();
            id = await host.Services.GetRequiredService<JobService>().SubmitAsync(options.Spec, ct);
            JobRow job;
            while (true)
            {
                job = (await store.GetJobAsync(id.Value, ct))!;
                progress?.Invoke(JobView.From(job));
                if (JobState.IsFinal(job.State)) break;
                await Task.Delay(200, ct);
            }
            return Summary(options, job, clock.Elapsed.TotalSeconds) with
            {
                Methods = await host.Services.GetRequiredService<MethodTallies>().OfJobAsync(job.Id,
                    options.Spec.Methods.Select(m => m.Name).ToList(), ct),
                UnknownLabels = await host.Services.GetRequiredService<UnknownLabels>().OfJobAsync(job.Id, ct),
                Inputs = host.Services.GetRequiredService<InputWaits>().Totals() is { Batches: > 0 } inputs ? inputs : null,
            };
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && id is not null)
        {
            // Interrupted: the job is cancelled (its open shards closed, so that no worker stores anything more).
            await host.Services.GetRequiredService<JobService>().CancelAsync(id.Value, CancellationToken.None);
            return Summary(options, (await store.GetJobAsync(id.Value, CancellationToken.None))!, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            // Bounded: an interrupted run must end promptly (its shards stop at the next chunk of masked forwards).
            using var stopping = new CancellationTokenSource(ct.IsCancellationRequested ? TimeSpan.FromSeconds(5) : Timeout.InfiniteTimeSpan);
            await host.StopAsync(stopping.Token);
        }
    }

    /// <summary>The host of an embedded run: the scheduler's and the workers' services, an in-memory bus, SQLite.</summary>
    private static IHost Build(EmbeddedOptions options, CancellationToken abandon)
    {
        IHostApplicationBuilder builder = options.ServePort is { } port ? EmbeddedPage.CreateBuilder(port) : Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (CliSettings.Current.Log) builder.Logging.AddConsole();
        builder.AddCamDefaults(StorageSettings.SqliteFile(options.DatabasePath));
        builder.Services.AddSchedulerServices(new SchedulerSettings
        {
            DataRoot = options.DataRoot, ModelRoot = options.ModelRoot, DispatchInterval = TimeSpan.FromMilliseconds(50),
            MaxOutstandingShards = Math.Max(2, options.Workers * 2), ProbeTimeout = options.ProbeTimeout,
        });
        builder.Services.AddWorkerServices(new WorkerSettings
        {
            DataRoot = options.DataRoot, ModelRoot = options.ModelRoot, Concurrency = options.Workers, NoOpExplainer = options.NoOpExplainer,
            MaxBatchPixels = options.MaxBatchPixels, Precision = options.Precision, Abandon = abandon,
        });
        builder.AddCamBus(CamTransport.InMemory, bus =>
        {
            bus.AddSchedulerConsumers();
            bus.AddWorkerConsumers();
        });
        // Ctrl-C and SIGTERM reach this run as a cancelled token (System.CommandLine); the host must not swallow them.
        builder.Services.AddSingleton<IHostLifetime, EmbeddedHostLifetime>();
        return builder is WebApplicationBuilder web ? EmbeddedPage.Map(web.Build()) : ((HostApplicationBuilder)builder).Build();
    }

    /// <summary>The cost preview of the job alone (<c>cam plan</c>): the model probed by an in-process worker, nothing run.</summary>
    public static async Task<CostPlan> PlanAsync(EmbeddedOptions options, CancellationToken ct = default)
    {
        using var host = Build(options, ct);
        await host.Services.GetRequiredService<CamMigrator>().MigrateAsync(ct);
        await host.StartAsync(ct);
        try
        {
            return await host.Services.GetRequiredService<JobService>().PlanAsync(options.Spec, options.Workers, ct);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static EmbeddedSummary Summary(EmbeddedOptions options, JobRow job, double seconds) =>
        new(job.Id, job.State, job.TotalItems, job.SucceededItems, job.FailedItems, job.Results, Math.Round(seconds, 2),
            Math.Round(job.SucceededItems / Math.Max(seconds, 1e-3), 2), Path.GetFullPath(options.DatabasePath), job.Error);

    /// <summary>A host lifetime that leaves process signals alone: the command's cancellation token carries them.</summary>
    private sealed class EmbeddedHostLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
