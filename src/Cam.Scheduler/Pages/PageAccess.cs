using System.Security.Cryptography;
using System.Text;
using Cam.Scheduler.Api;

namespace Cam.Scheduler.Pages;

/// <summary>
/// Who may see the pages when <c>CAM_API_KEY</c> is set: a request with the key in the <c>X-Api-Key</c> header (scripts),
/// or with the session cookie the login form sets. The cookie holds an HMAC of the key, not the key; it is HttpOnly and
/// SameSite=Strict, so another site's form cannot ride on it, and state-changing forms also carry an anti-forgery token.
/// </summary>
public sealed class PageAccess(SchedulerSettings settings)
{
    public const string Cookie = "cam_session";

    /// <summary>Whether a key is configured at all.</summary>
    public bool Required => settings.ApiKey is not null;

    /// <summary>The session cookie's value: HMAC-SHA256 of a fixed label under the key.</summary>
    public string SessionToken => settings.ApiKey is { } key
        ? Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), "cam page session"u8))
        : "";

    public bool IsKey(string? given) =>
        settings.ApiKey is { } key && given is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(key));

    public bool HasSession(HttpContext context) =>
        Required && context.Request.Cookies[Cookie] is { } cookie
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(cookie), Encoding.UTF8.GetBytes(SessionToken));

    /// <summary>The key header, or the session cookie; anyone when no key is configured.</summary>
    public bool Allows(HttpContext context) =>
        !Required || IsKey(context.Request.Headers[ApiKeyFilter.Header].ToString()) || HasSession(context);

    /// <summary>Sets the session cookie (after a login with the right key).</summary>
    public void StartSession(HttpContext context) =>
        context.Response.Cookies.Append(Cookie, SessionToken, new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = context.Request.IsHttps, Path = "/", IsEssential = true,
        });

    /// <summary>
    /// Paths served without the key even when one is configured: the scrape endpoint (job ids and method names only),
    /// the health checks, the login form. <c>/api</c> answers for itself (<see cref="ApiKeyFilter"/>: a problem, not a redirect).
    /// </summary>
    public static bool IsOpen(PathString path) =>
        path.StartsWithSegments(Hosting.CamTelemetry.MetricsPath) || path.StartsWithSegments("/health") || path.StartsWithSegments(LoginPage.Path)
        || path.StartsWithSegments("/api");
}

/// <summary>Everything but the open paths needs the key: a browser is sent to the login form, anything else gets 401.</summary>
public static class PageGate
{
    public static WebApplication UsePageGate(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var access = context.RequestServices.GetRequiredService<PageAccess>();
            if (PageAccess.IsOpen(context.Request.Path) || access.Allows(context))
            {
                await next(context);
                return;
            }
            if (HttpMethods.IsGet(context.Request.Method))
                context.Response.Redirect($"{LoginPage.Path}?returnUrl={Uri.EscapeDataString(context.Request.Path + context.Request.QueryString)}");
            else
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        });
        return app;
    }
}
