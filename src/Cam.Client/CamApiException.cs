using System.Net;

namespace Cam.Client;

/// <summary>
/// The scheduler refused a request: its HTTP status and the problem details it answered (RFC 9457), with
/// <see cref="Field"/> naming the part of the job that is wrong when it rejected a submission.
/// </summary>
public class CamApiException(HttpStatusCode status, string? title, string detail, string? field)
    : Exception(field is null ? $"the scheduler answered {(int)status}: {detail}"
        : $"the scheduler answered {(int)status}: {field}: {detail}")
{
    public HttpStatusCode Status { get; } = status;
    public string? Title { get; } = title;
    public string Detail { get; } = detail;
    /// <summary>The job field the scheduler names (<c>dataset</c>, <c>methods[0].name</c>, <c>body</c>, …), if any.</summary>
    public string? Field { get; } = field;
}

/// <summary>A submission or plan the scheduler rejected (400); <see cref="CamApiException.Field"/> says what is wrong.</summary>
public sealed class JobRejectedException(string? title, string detail, string? field)
    : CamApiException(HttpStatusCode.BadRequest, title, detail, field);

/// <summary>No job with that id (404).</summary>
public sealed class JobNotFoundException(string? title, string detail)
    : CamApiException(HttpStatusCode.NotFound, title, detail, null);
