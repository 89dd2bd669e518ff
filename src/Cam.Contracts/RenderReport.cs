namespace Cam.Contracts;

/// <summary>
/// Version 1 of the report request, which a worker answers with <see cref="ReportRendered"/> (MassTransit
/// request/response on <see cref="RenderReportQueue.Name"/>): build the job's audit from the database and render its
/// HTML report. The scheduler has no TorchSharp (the audit's library needs it), so, as with the model probe, a worker
/// does it; in the embedded <c>cam run</c> the in-process worker answers.
/// </summary>
public sealed record RenderReport
{
    public required Guid JobId { get; init; }
}

/// <summary>The report's HTML, or why it could not be built.</summary>
public sealed record ReportRendered
{
    public string? Html { get; init; }
    public string? Error { get; init; }
}

public static class RenderReportQueue
{
    /// <summary>Any worker answers; one report at a time per worker, beside its shards.</summary>
    public const string Name = "cam-render-report";
}
