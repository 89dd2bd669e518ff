using Cam.Storage;
using Cam.Storage.Entities;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Audit.Tests;

/// <summary>The report's per-method failures, from rows a worker's writer stored, on SQLite and PostgreSQL.</summary>
public class MethodFailuresTests
{
    public static TheoryData<string> Providers() => TestDatabases.Providers();

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task The_report_shows_each_failing_method_with_its_results_failed_items_and_reasons_and_stays_quiet_otherwise(string provider)
    {
        await using var services = (await TestDatabases.CreateAsync(provider)).Services;
        var store = services.GetRequiredService<JobStore>();
        var writer = services.GetRequiredService<ResultWriter>();
        var job = Guid.NewGuid();
        await store.CreateJobAsync(job, "{}");
        await store.AddShardAsync(job, 0, Enumerable.Range(0, 5).Select(n => new ItemRow { JobId = job, Number = n, Path = $"{n}.png" }).ToList());
        ResultRow Result(long item, string method) =>
            new()
            {
                JobId = job, ItemNumber = item, Method = method, Layer = "features", MapHeight = 1, MapWidth = 1, Map = BitConverter.GetBytes(1f)
            };
        ItemErrorRow Error(long? item, string method, string message) =>
            new()
            {
                JobId = job, ItemNumber = item, Stage = item is null ? "method" : "explain", Method = method, Message = message, At = DateTime.UtcNow
            };
        // scorecam explains all 5 items; gradcam fails on items 1 and 3 (<gradient> in the message, to be escaped); cam cannot apply.
        var results = Enumerable.Range(0, 5).Select(n => Result(n, "scorecam"))
            .Concat(new long[] { 0, 2, 4 }.Select(n => Result(n, "gradcam"))).ToList();
        await writer.WriteAsync(new ShardOutput(job, results,
            [Error(3, "gradcam", "no <gradient>"), Error(1, "gradcam", "no <gradient>"),
                Error(null, "cam", "method 'cam' does not apply to model 'm': hidden layer")],
            [0, 1, 2, 3, 4], []));

        await using var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var failures = (await MethodFailures.QueryAsync(db, job, 10, CancellationToken.None)).OrderBy(f => f.Method).ToList();
        Assert.Equal(["cam", "gradcam"], failures.Select(f => f.Method));
        Assert.Equal((0L, 0L, "method 'cam' does not apply to model 'm': hidden layer"),
            (failures[0].Results, failures[0].FailedItems, failures[0].JobError));
        Assert.Equal((3L, 2L, (string?)null), (failures[1].Results, failures[1].FailedItems, failures[1].JobError));
        Assert.Equal(new long?[] { 1, 3 }, failures[1].Examples.Select(e => e.ItemNumber));

        var html = HtmlReport.Render(new AuditSummary
        {
            JobId = job, State = "completed_with_errors", Dataset = "d", Model = "m", MethodFailures = failures
        });
        Assert.Contains("<section id=\"method-failures\">", html);
        Assert.Contains("<tr data-method=\"gradcam\"><td>gradcam</td><td>3</td><td>2</td><td>no</td></tr>", html);
        Assert.Contains("<tr data-method=\"cam\"><td>cam</td><td>0</td><td>0</td><td>method &#39;cam&#39; does not apply to model &#39;m&#39;: " +
            "hidden layer</td></tr>", html);
        Assert.Contains("no &lt;gradient&gt;", html);
        Assert.DoesNotContain("data-method=\"scorecam\"", html);

        var quiet = HtmlReport.Render(new AuditSummary { JobId = job, State = "completed", Dataset = "d", Model = "m" });
        Assert.DoesNotContain("method-failures", quiet);
    }
}
