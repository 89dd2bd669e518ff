using Cam.Contracts;
using Cam.Scheduler.Jobs;
using Cam.Scheduler.Planning;
using Cam.Scheduler.Validation;
using Cam.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Cam.Storage.Entities;

namespace Cam.Scheduler.Api;

/// <summary>The jobs resource: submit, list, inspect, page results and errors, cancel.</summary>
public static class JobsApi
{
    public static RouteGroupBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/jobs").AddEndpointFilter<ApiKeyFilter>();
        jobs.MapPost("/", SubmitAsync);
        jobs.MapGet("/", async (JobStore store, int? limit, CancellationToken ct) =>
            Results.Ok((await store.ListJobsAsync(Math.Clamp(limit ?? 50, 1, 500), ct)).Select(JobView.From)));
        jobs.MapGet("/{id:guid}", async (Guid id, JobStore store, MethodTallies tallies, CancellationToken ct) =>
            await store.GetJobAsync(id, ct) is { } job
                ? Results.Ok(JobView.From(job) with { Methods = await tallies.OfJobAsync(id, JobMethods(job), ct) })
                : NotFound(id));
        jobs.MapGet("/{id:guid}/results", ResultsAsync);
        jobs.MapGet("/{id:guid}/errors", async (Guid id, long? after, int? limit, JobStore store, CancellationToken ct) =>
        {
            if (await store.GetJobAsync(id, ct) is null) return NotFound(id);
            var page = await store.ErrorsPageAsync(id, after ?? 0, Math.Clamp(limit ?? 100, 1, 1000), ct);
            return Results.Ok(new { items = page.Select(e => new { e.Id, item = e.ItemNumber, e.Stage, method = e.Method == "" ? null : e.Method, e.Message, e.At }), next = page.Count > 0 ? page[^1].Id : (long?)null });
        });
        jobs.MapPost("/{id:guid}/cancel", async (Guid id, JobStore store, CancellationToken ct) =>
        {
            if (await store.GetJobAsync(id, ct) is null) return NotFound(id);
            var cancelled = await store.TryCancelAsync(id, ct);
            return Results.Ok(JobView.From((await store.GetJobAsync(id, ct))!) with { Message = cancelled ? "cancelled" : "the job had already ended" });
        });
        return jobs;
    }

    /// <summary>Submits a job; with <c>?dryRun=true</c>, answers its cost preview instead (<c>workers</c> for the wall time) and stores nothing.</summary>
    private static async Task<Results<Created<SubmittedJob>, Ok<CostPlan>, ProblemHttpResult>> SubmitAsync(HttpRequest request, JobService service,
        bool? dryRun, int? workers, CancellationToken ct)
    {
        try
        {
            var spec = await JobSpecReader.ReadAsync(request, ct);
            if (dryRun == true) return TypedResults.Ok(await service.PlanAsync(spec, Math.Clamp(workers ?? 1, 1, 10_000), ct));
            var id = await service.SubmitAsync(spec, ct);
            return TypedResults.Created($"/api/jobs/{id}", new SubmittedJob(id));
        }
        catch (JobValidationException e)
        {
            return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status400BadRequest, title: "invalid job",
                extensions: new Dictionary<string, object?> { ["field"] = e.Field });
        }
    }

    private static async Task<IResult> ResultsAsync(Guid id, long? after, int? limit, bool? maps, JobStore store, CancellationToken ct)
    {
        if (await store.GetJobAsync(id, ct) is null) return NotFound(id);
        var page = await store.ResultsPageAsync(id, after ?? 0, Math.Clamp(limit ?? 100, 1, 1000), ct);
        return Results.Ok(new
        {
            items = page.Select(r => new
            {
                r.Id, item = r.ItemNumber, r.Method, r.Layer, classIndex = r.ClassIndex, rank = r.ClassRank, r.Score, r.Probability,
                peak = new[] { r.PeakY, r.PeakX }, r.Energy, shape = new[] { r.MapHeight, r.MapWidth },
                map = maps == false ? null : r.MapValues(), metrics = r.Metrics is null ? (System.Text.Json.JsonElement?)null : System.Text.Json.JsonDocument.Parse(r.Metrics).RootElement,
            }),
            next = page.Count > 0 ? page[^1].Id : (long?)null,
        });
    }

    /// <summary>The methods the job asked for, from its stored spec.</summary>
    private static IReadOnlyList<string> JobMethods(JobRow job)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<JobSpec>(job.Spec, System.Text.Json.JsonSerializerOptions.Web)?.Methods.Select(m => m.Name).ToList() ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }

    private static IResult NotFound(Guid id) => Results.Problem($"no job {id}", statusCode: StatusCodes.Status404NotFound);
}

public sealed record SubmittedJob(Guid Id);

/// <summary>A job's state and progress as the API shows it.</summary>
public sealed record JobView(Guid Id, string State, long Total, long Done, long Succeeded, long Failed, long Results, int Shards, int ShardsFinished,
    bool EnumerationDone, double ItemsPerSecond, double? EtaSeconds, DateTime CreatedAt, DateTime? FinishedAt, string? Error)
{
    public string? Message { get; init; }
    /// <summary>Results and failures per method (a single job's view only).</summary>
    public IReadOnlyList<MethodTally>? Methods { get; init; }

    public static JobView From(JobRow job)
    {
        var done = job.SucceededItems + job.FailedItems;
        var end = job.FinishedAt ?? DateTime.UtcNow;
        var seconds = Math.Max((end - (job.StartedAt ?? job.CreatedAt)).TotalSeconds, 1e-3);
        var rate = done / seconds;
        double? eta = JobState.IsFinal(job.State) ? 0 : rate > 0 && job.EnumerationDone ? (job.TotalItems - done) / rate : null;
        return new JobView(job.Id, job.State, job.TotalItems, done, job.SucceededItems, job.FailedItems, job.Results, job.TotalShards, job.FinishedShards,
            job.EnumerationDone, Math.Round(rate, 2), eta is null ? null : Math.Round(eta.Value, 1), job.CreatedAt, job.FinishedAt, job.Error);
    }
}
