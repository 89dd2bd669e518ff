using System.Security.Cryptography;
using System.Text;

namespace Cam.Scheduler.Api;

/// <summary>Requires the <c>X-Api-Key</c> header to equal <c>CAM_API_KEY</c> (compared in constant time).</summary>
public sealed class ApiKeyFilter(SchedulerSettings settings) : IEndpointFilter
{
    public const string Header = "X-Api-Key";

    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (settings.ApiKey is null) return next(context);
        var given = context.HttpContext.Request.Headers[Header].ToString();
        var ok = CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(settings.ApiKey));
        return ok ? next(context) : ValueTask.FromResult<object?>(Results.Problem("a valid X-Api-Key header is required", statusCode: StatusCodes.Status401Unauthorized));
    }
}
