using Cam.Scheduler;
using Cam.Scheduler.Jobs;
using Cam.Storage;
using Cam.Storage.Entities;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Cam.Jobs.Tests;

/// <summary>
/// The scheduler's services over a test database and MassTransit's test harness: a test drives dispatch rounds
/// itself (or lets the background loops run) and reads what was sent.
/// </summary>
internal sealed class SchedulerHarness : IAsyncDisposable
{
    private readonly ServiceProvider services;

    private SchedulerHarness(ServiceProvider services, ITestHarness bus)
    {
        this.services = services;
        Bus = bus;
    }

    public ITestHarness Bus { get; }
    public JobService Jobs => services.GetRequiredService<JobService>();
    public JobStore Store => services.GetRequiredService<JobStore>();
    public JobEnumerator Enumerator => services.GetRequiredService<JobEnumerator>();
    public ShardDispatcher Dispatcher => services.GetRequiredService<ShardDispatcher>();
    public IServiceProvider Services => services;

    /// <summary>
    /// The harness starts the container's hosted services with the bus: the dispatcher's and the resumer's loops run
    /// unless <paramref name="backgroundServices"/> is false (a test of the consumers alone).
    /// </summary>
    public static async Task<SchedulerHarness> StartAsync(StorageSettings storage, SchedulerSettings settings, bool backgroundServices = true)
    {
        var collection = new ServiceCollection()
            .AddLogging()
            .AddCamStorage(storage)
            .AddSchedulerServices(settings with { ProbeTimeout = TimeSpan.Zero }); // no worker here to answer a model probe
        if (!backgroundServices) collection.RemoveAll<IHostedService>();
        var services = collection
            .AddMassTransitTestHarness(bus => bus.AddSchedulerConsumers())
            .BuildServiceProvider();
        await services.GetRequiredService<CamMigrator>().MigrateAsync();
        var bus = services.GetRequiredService<ITestHarness>();
        await bus.Start();
        return new SchedulerHarness(services, bus);
    }

    /// <summary>Polls the job until <paramref name="until"/> holds; fails with the last state seen after <paramref name="timeout"/>.</summary>
    public async Task<JobRow> WaitForJobAsync(Guid id, Func<JobRow, bool> until, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JobRow? job = null;
        while (DateTime.UtcNow < deadline)
        {
            job = await Store.GetJobAsync(id);
            if (job is not null && until(job)) return job;
            await Task.Delay(100);
        }
        throw new TimeoutException($"job {id} did not get there in {timeout.TotalSeconds:F0} s; last seen: state {job?.State}, " +
                                   $"enumeration done {job?.EnumerationDone}, {job?.TotalShards} shards, error {job?.Error ?? "none"}");
    }

    public async ValueTask DisposeAsync()
    {
        await Bus.Stop();
        await services.DisposeAsync();
    }
}
