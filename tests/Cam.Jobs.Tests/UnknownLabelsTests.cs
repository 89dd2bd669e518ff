using Cam.Audit;
using Cam.Cli.Embedded;
using Cam.Contracts;
using Cam.Scheduler;
using Cam.Scheduler.Api;
using Cam.Specs;
using Cam.Storage;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Cam.Jobs.Tests;

/// <summary>
/// Items whose label the model has no class for are counted and named — in <c>cam run</c>'s summary, the job's
/// status (API and <c>cam status</c>) and the report — instead of vanishing from the accuracy as unlabelled.
/// </summary>
public class UnknownLabelsTests
{
    private const string Hostile = "<svg onload=alert(1)>";

    /// <summary>The demo workspace with the labels of items 1, 3 and 4 replaced: two by <see cref="Hostile"/>, one by "zebra".</summary>
    private static DemoWorkspace Workspace(out Dictionary<string, long> expected)
    {
        var workspace = new DemoWorkspace(images: 6, withBadItems: false);
        var manifest = Path.Combine(workspace.DataRoot, "shapes", "manifest.csv");
        var lines = File.ReadAllLines(manifest);
        var replaced = new Dictionary<int, string> { [1] = Hostile, [3] = "zebra", [4] = Hostile };
        foreach (var (item, label) in replaced)
        {
            var cells = lines[item + 1].Split(',');
            cells[1] = $"\"{label}\"";
            lines[item + 1] = string.Join(',', cells);
        }
        File.WriteAllLines(manifest, lines);
        expected = replaced.Values.GroupBy(l => l).ToDictionary(g => g.Key, g => (long)g.Count());
        return workspace;
    }

    [Fact]
    public async Task Labels_the_model_does_not_know_are_counted_and_named_in_the_run_summary_and_the_escaped_report()
    {
        using var workspace = Workspace(out var expected);
        var database = Path.Combine(workspace.Root, "cam.db");
        var spec = new JobSpec { Dataset = "shapes/manifest.csv", Model = "shapes-model", Methods = [new MethodSpec("cam")], Classes = "top:1" };
        var summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, workspace.DataRoot, workspace.ModelRoot, database, Workers: 1));

        Assert.Equal("completed", summary.State);
        Assert.Equal(expected, summary.UnknownLabels.ToDictionary(l => l.Label, l => l.Items));
        Assert.Equal(Hostile, summary.UnknownLabels[0].Label); // the most frequent first
        Assert.Equal($"3 items carry labels the model does not know (left out of the accuracy): '{Hostile}' (2), 'zebra' (1)",
            UnknownLabels.Describe(summary.UnknownLabels));

        var html = Path.Combine(workspace.Root, "report.html");
        var audit = await AuditReport.WriteAsync(StorageSettings.SqliteFile(database), summary.JobId,
            new AuditOptions { DataRoot = workspace.DataRoot, ModelRoot = workspace.ModelRoot }, html);
        Assert.Equal(6 - 3, audit.LabelledItems);
        Assert.Equal(expected, audit.UnknownLabels.ToDictionary(l => l.Label, l => l.Items));
        var text = await File.ReadAllTextAsync(html);
        Assert.DoesNotContain("<svg onload", text);
        Assert.Contains("<code data-unknown-label=\"&lt;svg onload=alert(1)&gt;\">&lt;svg onload=alert(1)&gt;</code> (2)", text);
        Assert.Contains("<code data-unknown-label=\"zebra\">zebra</code> (1)", text);
    }

    [Fact]
    public async Task A_job_with_only_known_labels_names_none()
    {
        using var workspace = new DemoWorkspace(images: 4, withBadItems: false);
        var spec = new JobSpec { Dataset = "shapes/manifest.csv", Model = "shapes-model", Methods = [new MethodSpec("cam")], Classes = "label" };
        var summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, workspace.DataRoot, workspace.ModelRoot,
            Path.Combine(workspace.Root, "cam.db"), Workers: 1));
        Assert.Equal("completed", summary.State);
        Assert.Empty(summary.UnknownLabels);
        Assert.Null(UnknownLabels.Describe(summary.UnknownLabels));
    }

    [Fact]
    public async Task The_jobs_status_in_the_API_and_cam_status_name_the_unknown_labels_and_their_counts()
    {
        using var workspace = Workspace(out var expected);
        var database = Path.Combine(workspace.Root, "cam.db");
        // Under the label policy the unknown-label items are refused (stage "label") rather than explained: counted alike.
        var spec = new JobSpec { Dataset = "shapes/manifest.csv", Model = "shapes-model", Methods = [new MethodSpec("cam")], Classes = "label" };
        var summary = await EmbeddedJob.RunAsync(new EmbeddedOptions(spec, workspace.DataRoot, workspace.ModelRoot, database, Workers: 1));
        Assert.Equal((3L, 3L), (summary.Succeeded, summary.Failed));

        await using var app = await SchedulerApiAsync(database, workspace);
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new Cam.Client.CamClient(new Uri(url));
        var view = await client.GetJobAsync(summary.JobId);
        Assert.Equal(expected, view.UnknownLabels!.ToDictionary(l => l.Label, l => l.Items));

        var status = await CamAsync("status", summary.JobId.ToString(), "--scheduler", url);
        Assert.Contains($"3 items carry labels the model does not know (left out of the accuracy): '{Hostile}' (2), 'zebra' (1)", status);
    }

    /// <summary>The scheduler's jobs API over the embedded run's SQLite database, on a free local port, without its background loops.</summary>
    private static async Task<WebApplication> SchedulerApiAsync(string database, DemoWorkspace workspace)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddCamStorage(StorageSettings.SqliteFile(database))
            .AddSchedulerServices(new SchedulerSettings { DataRoot = workspace.DataRoot, ModelRoot = workspace.ModelRoot, ApiKeyDisabled = true })
            .AddMassTransit(bus => bus.UsingInMemory());
        builder.Services.RemoveAll<IHostedService>();
        var app = builder.Build();
        app.MapJobsApi();
        await app.StartAsync();
        return app;
    }

    /// <summary>Runs the cam command line built beside the tests; its standard output, after checking it succeeded.</summary>
    private static Task<string> CamAsync(params string[] arguments) => CamCli.SucceedAsync(TimeSpan.FromMinutes(1), arguments);
}
