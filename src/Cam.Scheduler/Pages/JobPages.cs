using System.Text;
using Cam.Contracts;
using Cam.Scheduler.Api;
using Cam.Scheduler.Jobs;
using Cam.Storage;
using Cam.Storage.Entities;
using Microsoft.AspNetCore.Antiforgery;
using static Cam.Scheduler.Pages.PageHtml;

namespace Cam.Scheduler.Pages;

/// <summary>
/// The live pages: <c>/</c> lists the jobs newest first (state, progress, items/s, ETA, results and failures per
/// method), <c>/jobs/{id}</c> shows one with its errors (paged), a link to its cost preview and its audit report, and a
/// cancel button. Plain server-rendered HTML that reloads itself while a job runs; no script.
/// </summary>
public static class JobPages
{
    public const int ListedJobs = 50;
    public const int ErrorsPerPage = 50;

    /// <summary>The pages' services: their data and cache, the key check, anti-forgery tokens (SameSite=Strict cookie).</summary>
    public static IServiceCollection AddJobPages(this IServiceCollection services)
    {
        services.AddSingleton<PageAccess>();
        services.AddSingleton<JobPageData>();
        services.AddSingleton<Api.JobReports>();
        services.AddAntiforgery(o =>
        {
            o.Cookie.Name = "cam_antiforgery";
            o.Cookie.SameSite = SameSiteMode.Strict;
            o.FormFieldName = "__cam_token";
        });
        return services;
    }

    /// <summary>The gate (the key, when configured), the login form, the pages.</summary>
    public static WebApplication MapJobPages(this WebApplication app)
    {
        app.UsePageGate();
        app.MapLoginPage();
        app.MapGet("/", ListAsync).ExcludeFromDescription();
        app.MapGet("/jobs/{id:guid}", JobAsync).ExcludeFromDescription();
        app.MapGet("/jobs/{id:guid}/plan", PlanAsync).ExcludeFromDescription();
        app.MapPost("/jobs/{id:guid}/cancel", CancelAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, JobPageData data, CancellationToken ct)
    {
        var jobs = await data.JobsAsync(ListedJobs, ct);
        var body = new StringBuilder("<h1>Jobs</h1>");
        if (jobs.Count == 0) body.Append("<p class=\"muted\">No job yet: <code>cam submit job.json</code> sends one.</p>");
        else
        {
            body.Append("<table id=\"jobs\"><thead><tr><th>job</th><th>state</th><th>progress</th><th>items</th><th>items/s</th><th>ETA</th>"
                        + "<th>results per method</th><th>failed items per method</th><th>created (UTC)</th></tr></thead><tbody>");
            foreach (var job in jobs)
            {
                var view = JobView.From(job);
                var tallies = await data.TalliesAsync(job, ct);
                body.Append($"<tr data-job=\"{job.Id}\" data-state=\"{E(job.State)}\"><td class=\"mono\"><a " +
                    $"href=\"/jobs/{job.Id}\">{job.Id.ToString()[..8]}</a></td>")
                    .Append($"<td>{State(job.State)}</td><td>{ProgressBar(Fraction(job))}</td>")
                    .Append($"<td class=\"n\">{view.Done}/{(job.EnumerationDone ? view.Total.ToString() : view.Total + "+")}</td>")
                    .Append($"<td class=\"n\">{Number(view.ItemsPerSecond)}</td><td class=\"n\">{Duration(view.EtaSeconds)}</td>")
                    .Append($"<td>{string.Join("<br>", tallies.Select(t => $"{E(t.Method)} {t.Results}"))}</td>")
                    .Append($"<td>{string.Join("<br>", tallies.Where(t => t.FailedItems > 0 || t.JobError is not null).Select(Failures))}</td>")
                    .Append($"<td>{job.CreatedAt:yyyy-MM-dd HH:mm:ss}</td></tr>");
            }
            body.Append("</tbody></table>");
        }
        return Page(context, "jobs", body.ToString(), refresh: jobs.Any(j => j.State == JobState.Running));
    }

    private static async Task<IResult> JobAsync(Guid id, long? after, HttpContext context, JobPageData data,
        IAntiforgery antiforgery, CancellationToken ct)
    {
        if (await data.JobAsync(id, ct) is not { } job) return NotFound(context, id);
        var view = JobView.From(job);
        var spec = JobPageData.SpecOf(job);
        var body = new StringBuilder($"<h1>Job <span class=\"mono\">{job.Id}</span> {State(job.State)}</h1>");
        body.Append($"<p id=\"progress\">{ProgressBar(Fraction(job))} {view.Done} of {view.Total}{(job.EnumerationDone ? "" : "+")} items · ")
            .Append($"{Number(view.ItemsPerSecond)} items/s · ETA {Duration(view.EtaSeconds)}</p>");
        body.Append("<dl>")
            .Append($"<dt>dataset</dt><dd class=\"mono\">{E(spec?.Dataset)}</dd><dt>model</dt><dd class=\"mono\">{E(spec?.Model)}</dd>")
            .Append($"<dt>items</dt><dd>{job.SucceededItems} explained, {job.FailedItems} failed</dd><dt>results</dt><dd>{job.Results}</dd>")
            .Append($"<dt>shards</dt><dd>{job.FinishedShards} of {job.TotalShards} finished</dd>")
            .Append($"<dt>created</dt><dd>{job.CreatedAt:yyyy-MM-dd HH:mm:ss} UTC</dd>")
            .Append(job.FinishedAt is { } finished ? $"<dt>finished</dt><dd>{finished:yyyy-MM-dd HH:mm:ss} UTC</dd>" : "")
            .Append(job.Error is null ? "" : $"<dt>error</dt><dd class=\"error\">{E(job.Error)}</dd>")
            .Append("</dl>");
        body.Append($"<p><a href=\"/api/jobs/{job.Id}/report\">audit report</a> · <a href=\"/jobs/{job.Id}/plan\">cost preview</a> · ")
            .Append($"<a href=\"/api/jobs/{job.Id}/export?part=results\">results (Parquet)</a>");
        if (job.State == JobState.Running)
        {
            var tokens = antiforgery.GetAndStoreTokens(context);
            body.Append($"</p><p><form method=\"post\" action=\"/jobs/{job.Id}/cancel\"><input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" " +
                $"value=\"{E(tokens.RequestToken)}\">")
                .Append("<button type=\"submit\">Cancel the job</button></form>");
        }
        body.Append("</p><h2>Methods</h2><table id=\"methods\"><thead><tr><th>method</th><th>results</th><th>failed items</th><th>error of the " +
            "whole job</th></tr></thead><tbody>");
        foreach (var t in await data.TalliesAsync(job, ct))
            body.Append($"<tr><td>{E(t.Method)}</td><td class=\"n\">{t.Results}</td><td class=\"n\">{t.FailedItems}</td>" +
                $"<td>{E(t.JobError)}</td></tr>");
        body.Append("</tbody></table>");
        var errors = await data.ErrorsAsync(id, after ?? 0, ErrorsPerPage, ct);
        body.Append("<h2>Errors</h2>");
        if (errors.Count == 0) body.Append(after is null ? "<p class=\"muted\">None.</p>" : "<p class=\"muted\">No more.</p>");
        else
        {
            body.Append("<table id=\"errors\"><thead><tr><th>item</th><th>path</th><th>label</th><th>stage</th><th>method</th>" +
                "<th>message</th></tr></thead><tbody>");
            foreach (var e in errors)
                body.Append($"<tr><td class=\"n\">{e.Item?.ToString() ?? "job"}</td><td class=\"mono\">{E(e.Path)}</td><td>{E(e.Label)}</td>")
                    .Append($"<td>{E(e.Stage)}</td><td>{E(e.Method)}</td><td>{E(e.Message)}</td></tr>");
            body.Append("</tbody></table>");
            if (errors.Count == ErrorsPerPage) body.Append($"<p><a href=\"/jobs/{job.Id}?after={errors[^1].Id}\">next errors</a></p>");
        }
        if (after is not null) body.Append($"<p><a href=\"/jobs/{job.Id}\">first errors</a></p>");
        return Page(context, $"job {job.Id.ToString()[..8]}", body.ToString(), refresh: job.State == JobState.Running && after is null);
    }

    private static async Task<IResult> PlanAsync(Guid id, HttpContext context, JobPageData data, CancellationToken ct)
    {
        if (await data.JobAsync(id, ct) is not { } job) return NotFound(context, id);
        string preview;
        try
        {
            var plan = await data.PlanAsync(job);
            preview = $"<pre>{E(string.Join("\n", plan.Describe()))}</pre>";
        }
        catch (Exception e) when (e is Validation.JobValidationException or IOException or ArgumentException)
        {
            preview = $"<p class=\"error\">No preview: {E(e.Message)}</p>";
        }
        return Page(context, $"cost of job {job.Id.ToString()[..8]}",
            $"<h1>Cost preview of job <a class=\"mono\" href=\"/jobs/{job.Id}\">{job.Id}</a></h1><p class=\"muted\">One worker; the model probed " +
                $"on a worker now, the dataset counted again.</p>{preview}",
            refresh: false);
    }

    /// <summary>Cancels a running job: the key (cookie or header) got the request here; the form's anti-forgery token must be valid too.</summary>
    private static async Task<IResult> CancelAsync(Guid id, HttpContext context, IAntiforgery antiforgery, JobStore store, JobService jobs,
        CancellationToken ct)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
            return Results.Problem("the form's anti-forgery token is missing or invalid: reload the job's page",
                statusCode: StatusCodes.Status400BadRequest);
        if (await store.GetJobAsync(id, ct) is null) return NotFound(context, id);
        await jobs.CancelAsync(id, ct);
        return Results.Redirect($"/jobs/{id}");
    }

    private static IResult NotFound(HttpContext context, Guid id)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Page(context, "no such job", $"<h1>No job {id}</h1><p><a href=\"/\">all jobs</a></p>", refresh: false);
    }

    /// <summary>Done over total, or null while the enumeration still counts the items.</summary>
    private static double? Fraction(JobRow job)
    {
        if (JobState.IsFinal(job.State) && job.TotalItems > 0) return (double)(job.SucceededItems + job.FailedItems) / job.TotalItems;
        if (JobState.IsFinal(job.State)) return 1;
        return job.EnumerationDone ? job.TotalItems == 0 ? 1 : (double)(job.SucceededItems + job.FailedItems) / job.TotalItems : null;
    }

    /// <summary>A method's failed items in the job list, with "(whole job)" where the method failed for the whole job.</summary>
    private static string Failures(MethodTally t) => $"{E(t.Method)} {t.FailedItems}{(t.JobError is null ? "" : " (whole job)")}";

    private static string State(string state) => $"<span class=\"state {E(state)}\">{E(state.Replace('_', ' '))}</span>";
}
