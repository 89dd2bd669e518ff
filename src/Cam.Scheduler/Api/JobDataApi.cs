using Cam.Export;
using Cam.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Cam.Scheduler.Api;

/// <summary>A job's data leaving the database: exported as Parquet, or deleted.</summary>
public static class JobDataApi
{
    public const string ParquetMediaType = "application/vnd.apache.parquet";

    public static RouteGroupBuilder MapJobDataApi(this RouteGroupBuilder jobs)
    {
        jobs.MapGet("/{id:guid}/export", ExportAsync).WithName("ExportJob")
            .WithSummary("A job's results (part=results, the default) or its item errors (part=errors) as one Parquet file, streamed by row group")
            .Produces(StatusCodes.Status200OK, contentType: ParquetMediaType)
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteJob")
            .WithSummary("Delete a job and all it stored (a running job is cancelled first); reports and exports written from it stay")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return jobs;
    }

    private static async Task<Results<Ok<DeletedJob>, ProblemHttpResult>> DeleteAsync(Guid id, JobDeletion deletion, CancellationToken ct) =>
        await deletion.DeleteAsync(id, ct) is { } deleted
            ? TypedResults.Ok(new DeletedJob(deleted.JobId, deleted.Cancelled))
            : TypedResults.Problem($"no job {id}", statusCode: StatusCodes.Status404NotFound);

    private static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> ExportAsync(Guid id, string? maps, string? part, JobStore store,
        IDbContextFactory<CamDbContext> factory, SchedulerSettings settings, CancellationToken ct)
    {
        if (await store.GetJobAsync(id, ct) is null) return TypedResults.Problem($"no job {id}", statusCode: StatusCodes.Status404NotFound);
        MapExport mapExport;
        try
        {
            mapExport = ExportOptions.ParseMaps(maps ?? "values");
        }
        catch (ArgumentException e)
        {
            return BadRequest(e.Message);
        }
        if (mapExport == MapExport.Png) return BadRequest("maps=png writes a file per map: use `cam export --maps png`; here none or values");
        if (part is not (null or "results" or "errors")) return BadRequest($"part '{part}' is not one of results, errors");
        var exporter = new JobExporter(factory, new ExportOptions { Maps = mapExport, ModelRoot = settings.ModelRoot });
        var errors = part == "errors";
        return TypedResults.Stream(async body =>
        {
            await using var stream = new ForwardOnlyStream(body);
            if (errors) await exporter.WriteErrorsAsync(id, stream, ct);
            else await exporter.WriteResultsAsync(id, stream, null, ct: ct);
        }, ParquetMediaType, errors ? $"{id}-item_errors.parquet" : $"{id}-results.parquet");
    }

    private static ProblemHttpResult BadRequest(string message) =>
        TypedResults.Problem(message, statusCode: StatusCodes.Status400BadRequest, title: "invalid export");
}

/// <summary>A deleted job; <c>cancelled</c> when it was running and was cancelled first.</summary>
public sealed record DeletedJob(Guid Id, bool Cancelled);
