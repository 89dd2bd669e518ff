using System.Collections.Concurrent;
using Cam.Contracts;
using Cam.Scheduler.Pages;
using Cam.Storage;
using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Cam.Scheduler.Api;

/// <summary>
/// A job's HTML audit report, rendered on demand by a worker (<see cref="RenderReport"/>: the audit's library needs
/// libtorch, which the scheduler does not carry) and kept until the job changes: a job whose state and counts are as
/// they were gets the same report again without a second rendering. Requests for the same version share one rendering.
/// </summary>
public sealed class JobReports(IServiceProvider services)
{
    /// <summary>How long a rendering may take (a large job's audit reads all its results).</summary>
    public static readonly TimeSpan RenderTimeout = TimeSpan.FromMinutes(10);
    /// <summary>Reports kept; the oldest go beyond this.</summary>
    public const int Kept = 16;

    private readonly ConcurrentDictionary<Guid, (string Version, Lazy<Task<ReportRendered>> Render, DateTime At)> cache = new();

    /// <summary>How many renderings were asked of the workers (not served from the cache).</summary>
    public int Renderings => renderings;
    private int renderings;

    public async Task<ReportRendered> GetAsync(Storage.Entities.JobRow job, CancellationToken ct)
    {
        var version = JobPageData.VersionOf(job);
        var entry = cache.AddOrUpdate(job.Id,
            _ => (version, new Lazy<Task<ReportRendered>>(() => RenderAsync(job.Id)), DateTime.UtcNow),
            (_, old) => old.Version == version ? old : (version, new Lazy<Task<ReportRendered>>(() => RenderAsync(job.Id)), DateTime.UtcNow));
        foreach (var stale in cache.OrderByDescending(e => e.Value.At).Skip(Kept).ToList()) cache.TryRemove(stale);
        try
        {
            return await entry.Render.Value.WaitAsync(ct);
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            cache.TryRemove(new KeyValuePair<Guid, (string, Lazy<Task<ReportRendered>>, DateTime)>(job.Id, entry));
            throw;
        }
    }

    private async Task<ReportRendered> RenderAsync(Guid jobId)
    {
        Interlocked.Increment(ref renderings);
        var client = services.GetRequiredService<IClientFactory>()
            .CreateRequestClient<RenderReport>(new Uri($"queue:{RenderReportQueue.Name}"),
                RequestTimeout.After(ms: (int)RenderTimeout.TotalMilliseconds));
        var response = await client.GetResponse<ReportRendered>(new RenderReport { JobId = jobId });
        return response.Message;
    }
}

public static class JobReportApi
{
    public static RouteGroupBuilder MapJobReportApi(this RouteGroupBuilder jobs)
    {
        jobs.MapGet("/{id:guid}/report", ReportAsync).WithName("GetJobReport")
            .WithSummary("The job's HTML audit report, rendered by a worker on demand and kept until the job changes")
            .Produces(StatusCodes.Status200OK, contentType: "text/html")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return jobs;
    }

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> ReportAsync(Guid id, JobStore store, JobReports reports,
        CancellationToken ct)
    {
        if (await store.GetJobAsync(id, ct) is not { } job) return TypedResults.Problem($"no job {id}", statusCode: StatusCodes.Status404NotFound);
        try
        {
            var report = await reports.GetAsync(job, ct);
            return report.Html is { } html
                ? TypedResults.Content(html, "text/html; charset=utf-8")
                : TypedResults.Problem(report.Error, statusCode: StatusCodes.Status409Conflict, title: "no report");
        }
        catch (RequestTimeoutException)
        {
            return TypedResults.Problem($"no worker rendered the report within {JobReports.RenderTimeout.TotalMinutes} min: are workers running?",
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }
}
