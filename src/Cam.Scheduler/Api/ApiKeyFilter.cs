using System.Security.Cryptography;
using System.Text;

namespace Cam.Scheduler.Api;

/// <summary>
/// Requires the <c>X-Api-Key</c> header to equal <c>CAM_API_KEY</c> (compared in constant time). A GET may instead
/// carry the pages' session cookie (the report and the export links of a job's page); a request that changes
/// anything needs the header, so that no other site's form can ride on the cookie.
/// </summary>
public sealed class ApiKeyFilter(SchedulerSettings settings, Pages.PageAccess access) : IEndpointFilter
{
    public const string Header = "X-Api-Key";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (settings.ApiKey is null) return next(context);
        var given = context.HttpContext.Request.Headers[Header].ToString();
        var ok = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(settings.ApiKey))
                 || (HttpMethods.IsGet(context.HttpContext.Request.Method) && access.HasSession(context.HttpContext));
        return ok ? next(context) : ValueTask.FromResult<object?>(Results.Problem("a valid X-Api-Key header is required",
            statusCode: StatusCodes.Status401Unauthorized));
    }
}
