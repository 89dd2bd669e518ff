namespace Cam.Client;

/// <summary>One operation of the scheduler's OpenAPI document that this client calls.</summary>
public sealed record CamApiOperation(string OperationId, string Method, string Path, IReadOnlyList<string> Query);

/// <summary>
/// The operations <see cref="CamClient"/> calls, as the scheduler's OpenAPI document names them
/// (<c>/openapi/v1.json</c>, committed as docs/openapi.json); the tests check both against each other.
/// </summary>
public static class CamApi
{
    public static readonly CamApiOperation SubmitJob = new("SubmitJob", "post", "/api/jobs", ["dryRun", "workers"]);
    public static readonly CamApiOperation ListJobs = new("ListJobs", "get", "/api/jobs", ["limit"]);
    public static readonly CamApiOperation GetJob = new("GetJob", "get", "/api/jobs/{id}", []);
    public static readonly CamApiOperation ListJobResults =
        new("ListJobResults", "get", "/api/jobs/{id}/results", ["after", "limit", "maps"]);
    public static readonly CamApiOperation ListJobErrors = new("ListJobErrors", "get", "/api/jobs/{id}/errors", ["after", "limit"]);
    public static readonly CamApiOperation CancelJob = new("CancelJob", "post", "/api/jobs/{id}/cancel", []);

    public static IReadOnlyList<CamApiOperation> Operations { get; } =
        [SubmitJob, ListJobs, GetJob, ListJobResults, ListJobErrors, CancelJob];

    /// <summary>The header that carries the scheduler's API key.</summary>
    public const string ApiKeyHeader = "X-Api-Key";
}
