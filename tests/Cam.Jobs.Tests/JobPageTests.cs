using System.Net;
using System.Text.RegularExpressions;
using Cam.Contracts;
using Cam.Scheduler.Pages;

namespace Cam.Jobs.Tests;

public class JobPageTests
{
    private const string Key = "page-test-key";

    private static HttpClient Client(PageHost host, string? key = null, CookieContainer? cookies = null)
    {
        var handler = new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies ?? new CookieContainer() };
        var client = new HttpClient(handler) { BaseAddress = host.Address };
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    [Fact]
    public async Task Every_dataset_string_on_the_pages_is_escaped_markup_in_paths_labels_meta_and_errors_included()
    {
        await using var host = await PageHost.StartAsync(Key);
        const string script = "<script>alert('cam')</script>";
        const string image = "<img src=x onerror=alert(1)>";
        var job = await host.CreateJobAsync(shards: 1, itemsPerShard: 3, path: n => $"images/{image}{n}.png", label: _ => script,
            meta: _ => $"{{\"site\":\"{image}\"}}", dataset: $"{script}/manifest.csv", methods: ["gradcam", "<b>bold</b>"]);
        await host.CompleteShardAsync(job, 0, ["gradcam"], failed: new HashSet<long> { 1, 2 },
            message: $"label '{script}' is not a class; path {image}");

        using var http = Client(host, Key);
        foreach (var path in new[] { "/", $"/jobs/{job}" })
        {
            var response = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("<b>", html, StringComparison.OrdinalIgnoreCase);
            Assert.Equal("default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                response.Headers.GetValues("Content-Security-Policy").Single());
            // What the browser shows is the text itself.
            var text = WebUtility.HtmlDecode(Regex.Replace(Regex.Replace(html, "<style>.*?</style>", "", RegexOptions.Singleline), "<[^>]*>", " "));
            Assert.Contains("<b>bold</b>", text);
            if (path != "/")
            {
                Assert.Contains($"{script}/manifest.csv", text);
                Assert.Contains($"images/{image}1.png", text);
                Assert.Contains($"label '{script}' is not a class; path {image}", text);
            }
        }
    }

    [Fact]
    public async Task With_a_key_configured_only_metrics_health_and_the_login_form_are_served_without_it()
    {
        await using var host = await PageHost.StartAsync(Key);
        var job = await host.CreateJobAsync(shards: 1, itemsPerShard: 2);
        using var anonymous = Client(host);
        foreach (var path in new[] { "/", $"/jobs/{job}", $"/jobs/{job}/plan" })
        {
            var response = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/login?returnUrl=", response.Headers.Location!.OriginalString);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/jobs")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/api/jobs/{job}/report")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync($"/jobs/{job}/cancel", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/login")).StatusCode);
        Assert.Equal(JobState.Running, (await host.Store.GetJobAsync(job))!.State);
    }

    [Fact]
    public async Task The_login_form_sets_a_strict_session_cookie_and_cancel_needs_the_forms_anti_forgery_token()
    {
        await using var host = await PageHost.StartAsync(Key);
        var job = await host.CreateJobAsync(shards: 2, itemsPerShard: 2);
        var cookies = new CookieContainer();
        using var browser = Client(host, cookies: cookies);

        var wrong = await browser.PostAsync("/login", new FormUrlEncodedContent(await LoginFormAsync(browser, "not-the-key")));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        var login = await browser.PostAsync("/login", new FormUrlEncodedContent(await LoginFormAsync(browser, Key)));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var session = login.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith(PageAccess.Cookie + "="));
        Assert.Contains("samesite=strict", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Key, session);

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync($"/api/jobs/{job}")).StatusCode); // a GET of the API rides on the cookie
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostAsync($"/api/jobs/{job}/cancel", null)).StatusCode); // a change does not
        Assert.Equal(HttpStatusCode.BadRequest, (await browser.PostAsync($"/jobs/{job}/cancel", new FormUrlEncodedContent([]))).StatusCode);
        Assert.Equal(JobState.Running, (await host.Store.GetJobAsync(job))!.State);

        var page = await (await browser.GetAsync($"/jobs/{job}")).Content.ReadAsStringAsync();
        var token = Regex.Match(page, "name=\"__cam_token\" value=\"([^\"]+)\"").Groups[1].Value;
        var cancel = await browser.PostAsync($"/jobs/{job}/cancel", new FormUrlEncodedContent([new("__cam_token", WebUtility.HtmlDecode(token))]));
        Assert.Equal(HttpStatusCode.Redirect, cancel.StatusCode);
        Assert.Equal(JobState.Cancelled, (await host.Store.GetJobAsync(job))!.State);
    }

    [Theory]
    [InlineData("/jobs", true)]
    [InlineData("/", true)]
    [InlineData("//evil.example/", false)]
    [InlineData("/\\evil.example/", false)]
    [InlineData("https://evil.example/", false)]
    public void The_login_form_only_returns_to_a_path_of_this_site(string url, bool local) => Assert.Equal(local, LoginPage.IsLocal(url));

    private static async Task<KeyValuePair<string, string>[]> LoginFormAsync(HttpClient browser, string key)
    {
        var form = await (await browser.GetAsync("/login?returnUrl=%2F")).Content.ReadAsStringAsync();
        var token = WebUtility.HtmlDecode(Regex.Match(form, "name=\"__cam_token\" value=\"([^\"]+)\"").Groups[1].Value);
        return [new("__cam_token", token), new("key", key), new("returnUrl", "/")];
    }
}
