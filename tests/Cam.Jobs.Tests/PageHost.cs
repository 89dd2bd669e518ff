using System.Text.Json;
using Cam.Contracts;
using Cam.Hosting;
using Cam.Scheduler;
using Cam.Scheduler.Api;
using Cam.Scheduler.Pages;
using Cam.Specs;
using Cam.Storage;
using Cam.Storage.Entities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cam.Jobs.Tests;

/// <summary>
/// The scheduler's pages, jobs API and <c>/metrics</c> over a test database, on a free loopback port, without a bus or
/// the background loops: a test creates a job and moves its shards itself (<see cref="CompleteShardAsync"/>).
/// </summary>
internal sealed class PageHost : IAsyncDisposable
{
    private readonly WebApplication app;

    private PageHost(WebApplication app, StorageSettings storage)
    {
        this.app = app;
        Storage = storage;
        Address = new Uri(app.Urls.First());
    }

    public Uri Address { get; }
    public StorageSettings Storage { get; }
    public IServiceProvider Services => app.Services;
    public JobStore Store => app.Services.GetRequiredService<JobStore>();

    public static async Task<PageHost> StartAsync(string? apiKey, Action<IServiceCollection>? services = null, StorageSettings? database = null)
    {
        var storage = database ?? StorageSettings.SqliteFile(Path.Combine(Path.GetTempPath(), $"cam-page-{Guid.NewGuid():N}.db"));
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.AddCamDefaults(storage);
        builder.Services.AddSchedulerServices(new SchedulerSettings
        {
            ApiKey = apiKey, ApiKeyDisabled = apiKey is null, ProbeTimeout = TimeSpan.Zero
        });
        builder.Services.RemoveAll<IHostedService>(); // no dispatcher, resumer, retention or gauge loop: the test drives the job
        builder.AddCamOpenTelemetry("cam-page-test");
        services?.Invoke(builder.Services);
        var app = builder.Build();
        await app.Services.GetRequiredService<CamMigrator>().MigrateAsync();
        app.MapJobPages();
        app.MapCamHealthChecks();
        app.MapCamMetrics();
        app.MapJobsApi();
        await app.StartAsync();
        return new PageHost(app, storage);
    }

    /// <summary>A running job of <paramref name="shards"/> shards of <paramref name="itemsPerShard"/> items, enumerated, none done.</summary>
    public async Task<Guid> CreateJobAsync(int shards, int itemsPerShard, Func<long, string>? path = null, Func<long, string?>? label = null,
        Func<long, string?>? meta = null, string dataset = "shapes/manifest.csv", string[]? methods = null)
    {
        var id = Guid.NewGuid();
        var spec = new JobSpec
        {
            Dataset = dataset, Model = "shapes-model", Methods = (methods ?? ["gradcam"]).Select(m => new MethodSpec(m)).ToList(),
        };
        await Store.CreateJobAsync(id, JsonSerializer.Serialize(spec, JsonSerializerOptions.Web));
        for (var s = 0; s < shards; s++)
        {
            var items = Enumerable.Range(s * itemsPerShard, itemsPerShard).Select(n => new ItemRow
            {
                JobId = id, Number = n, ShardNumber = s, Path = path?.Invoke(n) ?? $"images/{n:D4}.png", Label = label?.Invoke(n) ?? "circle",
                Meta = meta?.Invoke(n), State = ItemState.Pending,
            }).ToList();
            await Store.AddShardAsync(id, s, items);
        }
        await Store.MarkEnumerationDoneAsync(id);
        return id;
    }

    /// <summary>
    /// Runs shard <paramref name="number"/> as a worker would: published, claimed, its output stored under the claim
    /// (one map per item and method; the items in <paramref name="failed"/> get an item error with <paramref name="message"/>).
    /// </summary>
    public async Task CompleteShardAsync(Guid job, int number, string[] methods, IReadOnlySet<long>? failed = null, string message = "cannot decode")
    {
        var shards = Services.GetRequiredService<ShardLifecycle>();
        var shard = (await Store.PendingShardsAsync(job, 1000)).Single(s => s.Number == number);
        var attempt = await shards.TryPublishAsync(job, number, shard.Attempts, DateTime.UtcNow.AddHours(1));
        var claim = await shards.TryClaimAsync(job, number, "page-test-worker", TimeSpan.FromMinutes(5));
        Assert.NotNull(attempt);
        Assert.NotNull(claim);
        var items = (await Store.ItemsOfShardAsync(shard)).Select(i => i.Number).ToList();
        var good = items.Where(i => failed?.Contains(i) != true).ToList();
        var bad = items.Where(i => failed?.Contains(i) == true).ToList();
        var results = good.SelectMany(i => methods.Select(m => new ResultRow
        {
            JobId = job, ItemNumber = i, Method = m, Layer = "features", ClassIndex = 0, ClassRank = 0, Score = 1, Probability = 0.5f,
            MapHeight = 1, MapWidth = 1, Map = ResultRow.EncodeMap([1f]),
        })).ToList();
        var errors = bad.Select(i =>
            new ItemErrorRow { JobId = job, ItemNumber = i, Stage = "decode", Message = message, At = DateTime.UtcNow }).ToList();
        await Services.GetRequiredService<ResultWriter>().WriteAsync(new ShardOutput(job, results, errors, good, bad), claim);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
