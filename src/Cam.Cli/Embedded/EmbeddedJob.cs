using System.Diagnostics;
using Cam.Scheduler;
using Cam.Scheduler.Api;
using Cam.Scheduler.Jobs;
using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Worker;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cam.Cli.Embedded;

/// <summary>What an embedded run needs: the job, where its data and models live, and where to put the database.</summary>
public sealed record EmbeddedOptions(JobSpec Spec, string DataRoot, string ModelRoot, string DatabasePath, int Workers, bool NoOpExplainer = false)
{
    /// <summary>Decoded pixels per batch of each in-process worker (<see cref="WorkerSettings.MaxBatchPixels"/>).</summary>
    public long MaxBatchPixels { get; init; } = WorkerSettings.DefaultMaxBatchPixels;
}

public sealed record EmbeddedSummary(Guid JobId, string State, long Items, long Succeeded, long Failed, long Results, double Seconds, double ImagesPerSecond, string DatabasePath, string? Error);

/// <summary>
/// The scheduler and N workers in one process, with MassTransit's in-memory transport and SQLite: the same services
/// as the distributed deployment, wired together.
/// </summary>
public static class EmbeddedJob
{
    public static async Task<EmbeddedSummary> RunAsync(EmbeddedOptions options, Action<JobView>? progress = null, CancellationToken ct = default)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        if (Environment.GetEnvironmentVariable("CAM_LOG") == "1") builder.Logging.AddConsole();
        var storage = StorageSettings.SqliteFile(options.DatabasePath);
        builder.Services.AddCamStorage(storage);
        builder.Services.AddCamScheduler(new SchedulerSettings
        {
            DataRoot = options.DataRoot, ModelRoot = options.ModelRoot, DispatchInterval = TimeSpan.FromMilliseconds(50),
            MaxOutstandingShards = Math.Max(2, options.Workers * 2),
        });
        builder.Services.AddCamWorker(new WorkerSettings
        {
            DataRoot = options.DataRoot, ModelRoot = options.ModelRoot, Concurrency = options.Workers, NoOpExplainer = options.NoOpExplainer,
            MaxBatchPixels = options.MaxBatchPixels,
        });
        builder.Services.AddMassTransit(bus =>
        {
            bus.AddSchedulerConsumers();
            bus.AddWorkerConsumers();
            bus.UsingInMemory((context, memory) => memory.ConfigureEndpoints(context));
        });
        using var host = builder.Build();
        await host.Services.GetRequiredService<CamMigrator>().MigrateAsync(ct);
        await host.StartAsync(ct);
        var clock = Stopwatch.StartNew();
        try
        {
            var jobs = host.Services.GetRequiredService<JobService>();
            var store = host.Services.GetRequiredService<JobStore>();
            var id = await jobs.SubmitAsync(options.Spec, ct);
            JobRow job;
            while (true)
            {
                job = (await store.GetJobAsync(id, ct))!;
                progress?.Invoke(JobView.From(job));
                if (JobState.IsFinal(job.State)) break;
                await Task.Delay(200, ct);
            }
            var seconds = clock.Elapsed.TotalSeconds;
            return new EmbeddedSummary(id, job.State, job.TotalItems, job.SucceededItems, job.FailedItems, job.Results, Math.Round(seconds, 2),
                Math.Round(job.SucceededItems / Math.Max(seconds, 1e-3), 2), Path.GetFullPath(options.DatabasePath), job.Error);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
