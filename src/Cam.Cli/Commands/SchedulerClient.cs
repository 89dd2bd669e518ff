using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cam.Cli.Commands;

/// <summary>Talks to a scheduler's API: <c>--scheduler</c>/<c>CAM_SCHEDULER_URL</c> and <c>--api-key</c>/<c>CAM_API_KEY</c>.</summary>
internal sealed class SchedulerClient : IDisposable
{
    private readonly HttpClient http;

    public SchedulerClient(string? url, string? apiKey)
    {
        url ??= CliSettings.Current.SchedulerUrl.ToString();
        apiKey ??= CliSettings.Current.ApiKey;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri)) throw new ArgumentException($"'{url}' is not a scheduler URL");
        http = new HttpClient { BaseAddress = baseUri, Timeout = RequestTimeout };
        if (apiKey is not null) http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
    }

    /// <summary>
    /// Longer than the scheduler's model probe at submission (30 s by default, and all of it when no worker runs,
    /// as with KEDA at zero), so that a submission the scheduler accepts unprobed is not reported as a failure.
    /// </summary>
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromMinutes(2);

    public async Task<JsonObject> SendAsync(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: JsonSerializerOptions.Web) };
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            var detail = TryParse(text)?["detail"]?.GetValue<string>() ?? text;
            throw new InvalidOperationException($"the scheduler answered {(int)response.StatusCode}: {detail}");
        }
        return TryParse(text) ?? throw new InvalidOperationException("the scheduler's answer is not JSON");
    }

    private static JsonObject? TryParse(string text)
    {
        try
        {
            return JsonNode.Parse(text) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public void Dispose() => http.Dispose();
}
