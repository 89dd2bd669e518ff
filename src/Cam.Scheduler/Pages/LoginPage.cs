using Microsoft.AspNetCore.Antiforgery;
using static Cam.Scheduler.Pages.PageHtml;

namespace Cam.Scheduler.Pages;

/// <summary>The login form: the API key, once, for a session cookie (<see cref="PageAccess"/>); an anti-forgery token guards the form.</summary>
public static class LoginPage
{
    public const string Path = "/login";

    public static WebApplication MapLoginPage(this WebApplication app)
    {
        app.MapGet(Path, (HttpContext context, string? returnUrl, IAntiforgery antiforgery) => Form(context, antiforgery, returnUrl, null))
            .ExcludeFromDescription();
        app.MapPost(Path, LoginAsync).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> LoginAsync(HttpContext context, IAntiforgery antiforgery, PageAccess access)
    {
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var returnUrl = form["returnUrl"].ToString();
        if (!await antiforgery.IsRequestValidAsync(context)) return Form(context, antiforgery, returnUrl, "The form expired: try again.");
        if (access.Required && !access.IsKey(form["key"].ToString()))
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Form(context, antiforgery, returnUrl, "That is not the API key.");
        }
        access.StartSession(context);
        return Results.Redirect(IsLocal(returnUrl) ? returnUrl : "/");
    }

    /// <summary>Only a path of this site (not <c>//elsewhere</c>, not <c>/\elsewhere</c>): the form must not send anyone away.</summary>
    public static bool IsLocal(string? url) =>
        !string.IsNullOrEmpty(url) && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\'));

    private static IResult Form(HttpContext context, IAntiforgery antiforgery, string? returnUrl, string? problem)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var body = "<h1>API key</h1>"
                   + (problem is null ? "" : $"<p class=\"error\">{E(problem)}</p>")
                   + $"<form method=\"post\" action=\"{Path}\"><input type=\"hidden\" name=\"{E(tokens.FormFieldName)}\" " +
                       $"value=\"{E(tokens.RequestToken)}\">"
                   + $"<input type=\"hidden\" name=\"returnUrl\" value=\"{E(IsLocal(returnUrl) ? returnUrl : "/")}\">"
                   + "<input type=\"password\" name=\"key\" autocomplete=\"current-password\" placeholder=\"CAM_API_KEY\" autofocus> <button " +
                       "type=\"submit\">Sign in</button></form>"
                   + "<p class=\"muted\">Scripts send the key in the <code>X-Api-Key</code> header instead.</p>";
        return Page(context, "sign in", body, refresh: false);
    }
}
