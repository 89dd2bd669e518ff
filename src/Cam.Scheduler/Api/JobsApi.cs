using Cam.Contracts;
using Cam.Scheduler.Jobs;
using Cam.Scheduler.Planning;
using Cam.Scheduler.Validation;
using Cam.Specs;
using Cam.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Cam.Storage.Entities;

namespace Cam.Scheduler.Api;

/// <summary>The jobs resource: submit, list, inspect, page results and errors, cancel (export and delete: <see cref="JobDataApi"/>).</summary>
public static class JobsApi
{
    public static RouteGroupBuilder MapJobsApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/api/jobs").AddEndpointFilter<ApiKeyFilter>().WithTags("Jobs");
        jobs.MapPost("/", SubmitAsync).WithName("SubmitJob")
            .WithSummary("Submit a job, or with ?dryRun=true preview its cost")
            .Accepts<JobSpec>("application/json").ProducesProblem(StatusCodes.Status400BadRequest);
        jobs.MapGet("/", ListAsync).WithName("ListJobs").WithSummary("The latest jobs, newest first");
        jobs.MapGet("/{id:guid}", GetAsync).WithName("GetJob").WithSummary("A job's state, progress and per-method tally")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{id:guid}/results", ResultsAsync).WithName("ListJobResults").WithSummary("A page of a job's results, by id")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/{id:guid}/errors", ErrorsAsync).WithName("ListJobErrors").WithSummary("A page of a job's item and method errors, by id")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapPost("/{id:guid}/cancel", CancelAsync).WithName("CancelJob").WithSummary("Cancel a running job")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapJobDataApi();
        jobs.MapJobReportApi();
        return jobs;
    }

    private static async Task<Ok<IEnumerable<JobView>>> ListAsync(JobStore store, int? limit, CancellationToken ct) =>
        TypedResults.Ok((await store.ListJobsAsync(Math.Clamp(limit ?? 50, 1, 500), ct)).Select(JobView.From));

    private static async Task<Results<Ok<JobView>, ProblemHttpResult>> GetAsync(Guid id, JobStore store, MethodTallies tallies,
        UnknownLabels unknownLabels, CancellationToken ct) =>
        await store.GetJobAsync(id, ct) is { } job
            ? TypedResults.Ok(JobView.From(job) with
            {
                Methods = await tallies.OfJobAsync(id, Pages.JobPageData.MethodsOf(job), ct),
                UnknownLabels = await unknownLabels.OfJobAsync(id, ct),
            })
            : NotFound(id);

    private static async Task<Results<Ok<ErrorsPage>, ProblemHttpResult>> ErrorsAsync(Guid id, long? after, int? limit, JobStore store,
        CancellationToken ct)
    {
        if (await store.GetJobAsync(id, ct) is null) return NotFound(id);
        var page = await store.ErrorsPageAsync(id, after ?? 0, Math.Clamp(limit ?? 100, 1, 1000), ct);
        return TypedResults.Ok(new ErrorsPage(
            page.Select(e => new ErrorView(e.Id, e.ItemNumber, e.Stage, e.Method == "" ? null : e.Method, e.Message, e.At)).ToList(),
            page.Count > 0 ? page[^1].Id : null));
    }

    private static async Task<Results<Ok<JobView>, ProblemHttpResult>> CancelAsync(Guid id, JobStore store, JobService jobs,
        CancellationToken ct)
    {
        if (await store.GetJobAsync(id, ct) is null) return NotFound(id);
        var cancelled = await jobs.CancelAsync(id, ct);
        var job = (await store.GetJobAsync(id, ct))!;
        return TypedResults.Ok(JobView.From(job) with { Message = cancelled ? "cancelled" : "the job had already ended" });
    }

    /// <summary>Submits a job; with <c>?dryRun=true</c>, answers its cost preview instead (<c>workers</c> for the wall time) and stores
    /// nothing.</summary>
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

    private static async Task<Results<Ok<ResultsPage>, ProblemHttpResult>> ResultsAsync(Guid id, long? after, int? limit, bool? maps, JobStore store,
        CancellationToken ct)
    {
        if (await store.GetJobAsync(id, ct) is null) return NotFound(id);
        var page = await store.ResultsPageAsync(id, after ?? 0, Math.Clamp(limit ?? 100, 1, 1000), ct);
        return TypedResults.Ok(new ResultsPage(
            page.Select(r => new ResultView(r.Id, r.ItemNumber, r.Method, r.Layer, r.ClassIndex, r.ClassRank, r.Score, r.Probability,
                [r.PeakY, r.PeakX], r.Energy, [r.MapHeight, r.MapWidth], maps == false ? null : r.MapValues(),
                r.Metrics is null ? null : System.Text.Json.JsonDocument.Parse(r.Metrics).RootElement)).ToList(),
            page.Count > 0 ? page[^1].Id : null));
    }

    private static ProblemHttpResult NotFound(Guid id) => TypedResults.Problem($"no job {id}", statusCode: StatusCodes.Status404NotFound);
}

public sealed record SubmittedJob(Guid Id);

/// <summary>A page of results; <c>next</c> is the <c>after</c> of the following page, null at the end.</summary>
public sealed record ResultsPage(IReadOnlyList<ResultView> Items, long? Next);

/// <summary>One stored map with its scores: <c>peak</c> and <c>shape</c> are (row, column) and (height, width).</summary>
public sealed record ResultView(long Id, long Item, string Method, string Layer, int ClassIndex, int Rank, float Score, float Probability,
    int[] Peak, float Energy, int[] Shape, float[]? Map, System.Text.Json.JsonElement? Metrics);

/// <summary>A page of errors; <c>next</c> is the <c>after</c> of the following page, null at the end.</summary>
public sealed record ErrorsPage(IReadOnlyList<ErrorView> Items, long? Next);

/// <summary>An item's error (<c>item</c> null for an error of the whole job), with the method it concerns when only that method failed.</summary>
public sealed record ErrorView(long Id, long? Item, string Stage, string? Method, string Message, DateTime At);

/// <summary>A job's state and progress as the API shows it.</summary>
public sealed record JobView(Guid Id, string State, long Total, long Done, long Succeeded, long Failed, long Results, int Shards, int ShardsFinished,
    bool EnumerationDone, double ItemsPerSecond, double? EtaSeconds, DateTime CreatedAt, DateTime? FinishedAt, string? Error)
{
    public string? Message { get; init; }
    /// <summary>Results and failures per method (a single job's view only).</summary>
    public IReadOnlyList<MethodTally>? Methods { get; init; }
    /// <summary>Item labels the model has no class for, with their item counts (a single job's view only).</summary>
    public IReadOnlyList<UnknownLabel>? UnknownLabels { get; init; }

    public static JobView From(JobRow job)
    {
        var done = job.SucceededItems + job.FailedItems;
        var end = job.FinishedAt ?? DateTime.UtcNow;
        var seconds = Math.Max((end - (job.StartedAt ?? job.CreatedAt)).TotalSeconds, 1e-3);
        var rate = done / seconds;
        double? eta = JobState.IsFinal(job.State) ? 0 : rate > 0 && job.EnumerationDone ? (job.TotalItems - done) / rate : null;
        return new JobView(job.Id, job.State, job.TotalItems, done, job.SucceededItems, job.FailedItems, job.Results, job.TotalShards,
            job.FinishedShards,
            job.EnumerationDone, Math.Round(rate, 2), eta is null ? null : Math.Round(eta.Value, 1), job.CreatedAt, job.FinishedAt, job.Error);
    }
}
