using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Engine;
using Cam.Scheduler.Telemetry;
using Cam.Specs;
using Cam.Worker.Telemetry;

namespace Cam.Jobs.Tests;

/// <summary>
/// The demo job (10 good images and 3 bad items, CAM and Score-CAM, top-2, shards of 4, two workers) run once in
/// process, with Cam's meters recorded while it ran: <see cref="EmbeddedJobTests"/> checks what it stored and
/// <see cref="TelemetryAgreementTests"/> what its counters say, from the same run.
/// </summary>
public sealed class DemoJobFixture : IAsyncLifetime
{
    public DemoWorkspace Workspace { get; } = new(images: 10);
    public string Database => Path.Combine(Workspace.Root, "cam.db");
    public EmbeddedSummary Summary { get; private set; } = null!;
    /// <summary>What the meters recorded during the run (the listener stops when the run ends).</summary>
    public MeasurementRecorder Recorder { get; } = new(WorkerTelemetry.Name, SchedulerTelemetry.Name, EngineTelemetry.Name);

    public async Task InitializeAsync()
    {
        var spec = new JobSpec
        {
            Dataset = "shapes/manifest.csv", Model = "shapes-model", Methods = [new MethodSpec("cam"), new MethodSpec("scorecam")],
            Classes = "top:2", ShardSize = 4,
        };
        try
        {
            Summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, Workspace.DataRoot, Workspace.ModelRoot, Database, Workers: 2));
        }
        finally
        {
            Recorder.Dispose();
        }
    }

    public Task DisposeAsync()
    {
        Workspace.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class DemoJobCollection : ICollectionFixture<DemoJobFixture>
{
    public const string Name = "demo job (run once)";
}
