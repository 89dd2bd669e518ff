using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cam.Client;

/// <summary>
/// The scheduler's jobs API, typed: submit, plan (dry run), list, status, pages of results and errors, cancel.
/// A refusal throws <see cref="CamApiException"/> (<see cref="JobRejectedException"/> naming the field of a rejected
/// job, <see cref="JobNotFoundException"/> for an unknown id).
/// </summary>
public sealed class CamClient : IDisposable
{
    /// <summary>Longer than the scheduler's model probe at submission (30 s by default, all of it without workers).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private readonly HttpClient http;
    private readonly bool ownsHttp;

    /// <summary>A client of the scheduler at <paramref name="baseAddress"/>, sending <paramref name="apiKey"/> if given.</summary>
    public CamClient(Uri baseAddress, string? apiKey = null, TimeSpan? timeout = null)
        : this(new HttpClient { BaseAddress = baseAddress, Timeout = timeout ?? DefaultTimeout }, apiKey, ownsHttp: true)
    {
    }

    /// <summary>A client over an <see cref="HttpClient"/> whose <c>BaseAddress</c> is the scheduler; the caller owns it.</summary>
    public CamClient(HttpClient http, string? apiKey = null) : this(http, apiKey, ownsHttp: false)
    {
    }

    private CamClient(HttpClient http, string? apiKey, bool ownsHttp)
    {
        if (http.BaseAddress is null) throw new ArgumentException("the HttpClient needs the scheduler's URL as BaseAddress", nameof(http));
        this.http = http;
        this.ownsHttp = ownsHttp;
        this.apiKey = apiKey;
        var root = http.BaseAddress.ToString();
        BaseAddress = new Uri(root.EndsWith('/') ? root : root + "/");
    }

    private readonly string? apiKey;

    /// <summary>The scheduler's URL (with a trailing slash: the API's paths are resolved under it).</summary>
    public Uri BaseAddress { get; }

    /// <summary>Submits a job; answers its id.</summary>
    public async Task<Guid> SubmitAsync(JobSpec job, CancellationToken ct = default) =>
        (await SendAsync<SubmittedJob>(HttpMethod.Post, CamApi.SubmitJob.Path, job, ct)).Id;

    /// <summary>The job's cost preview with <paramref name="workers"/> sharing it (a dry run: nothing is stored).</summary>
    public Task<CostPlan> PlanAsync(JobSpec job, int workers = 1, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        return SendAsync<CostPlan>(HttpMethod.Post, $"{CamApi.SubmitJob.Path}?dryRun=true&workers={workers}", job, ct);
    }

    /// <summary>The latest jobs, newest first.</summary>
    public Task<IReadOnlyList<JobView>> ListJobsAsync(int limit = 50, CancellationToken ct = default) =>
        SendAsync<IReadOnlyList<JobView>>(HttpMethod.Get, $"{CamApi.ListJobs.Path}?limit={limit}", null, ct);

    /// <summary>A job's state, progress and per-method tally.</summary>
    public Task<JobView> GetJobAsync(Guid id, CancellationToken ct = default) =>
        SendAsync<JobView>(HttpMethod.Get, JobPath(CamApi.GetJob, id), null, ct);

    /// <summary>Cancels a job; the view's <c>Message</c> says whether it was still running.</summary>
    public Task<JobView> CancelAsync(Guid id, CancellationToken ct = default) =>
        SendAsync<JobView>(HttpMethod.Post, JobPath(CamApi.CancelJob, id), null, ct);

    /// <summary>A page of results after result id <paramref name="after"/>; without the maps when <paramref name="maps"/> is false.</summary>
    public Task<ResultsPage> GetResultsAsync(Guid id, long after = 0, int limit = 100, bool maps = true,
        CancellationToken ct = default) =>
        SendAsync<ResultsPage>(HttpMethod.Get,
            $"{JobPath(CamApi.ListJobResults, id)}?after={after}&limit={limit}&maps={(maps ? "true" : "false")}", null, ct);

    /// <summary>A page of item and method errors after error id <paramref name="after"/>.</summary>
    public Task<ErrorsPage> GetErrorsAsync(Guid id, long after = 0, int limit = 100, CancellationToken ct = default) =>
        SendAsync<ErrorsPage>(HttpMethod.Get, $"{JobPath(CamApi.ListJobErrors, id)}?after={after}&limit={limit}", null, ct);

    /// <summary>Every result of a job, page after page.</summary>
    public async IAsyncEnumerable<ResultView> ReadResultsAsync(Guid id, bool maps = true, int pageSize = 500,
        [EnumeratorCancellation] CancellationToken ct = default)
    {
        long? after = 0;
        while (after is { } from)
        {
            var page = await GetResultsAsync(id, from, pageSize, maps, ct);
            foreach (var result in page.Items) yield return result;
            after = page.Next;
        }
    }

    /// <summary>Polls the job every <paramref name="poll"/> (a second by default) until it ends; answers its last view.</summary>
    public async Task<JobView> WaitAsync(Guid id, TimeSpan? poll = null, CancellationToken ct = default)
    {
        while (true)
        {
            var view = await GetJobAsync(id, ct);
            if (view.IsFinal) return view;
            await Task.Delay(poll ?? TimeSpan.FromSeconds(1), ct);
        }
    }

    private static string JobPath(CamApiOperation operation, Guid id) =>
        operation.Path.Replace("{id}", id.ToString(), StringComparison.Ordinal);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseAddress, path.TrimStart('/')))
        {
            Content = body is null ? null : JsonContent.Create(body, body.GetType(), options: Json),
        };
        if (apiKey is not null) request.Headers.Add(CamApi.ApiKeyHeader, apiKey);
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode) throw Problem(response.StatusCode, text);
        try
        {
            return JsonSerializer.Deserialize<T>(text, Json)
                   ?? throw new CamApiException(response.StatusCode, null, "the scheduler answered null", null);
        }
        catch (JsonException e)
        {
            throw new CamApiException(response.StatusCode, null, $"the scheduler's answer is not a {typeof(T).Name}: {e.Message}", null);
        }
    }

    /// <summary>The exception for a problem-details answer (or any other error body).</summary>
    private static CamApiException Problem(HttpStatusCode status, string text)
    {
        string? title = null, field = null;
        var detail = text;
        try
        {
            using var document = JsonDocument.Parse(text);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                title = String(root, "title");
                field = String(root, "field");
                detail = String(root, "detail") ?? title ?? text;
            }
        }
        catch (JsonException)
        {
        }
        if (detail.Length == 0) detail = status.ToString();
        return status switch
        {
            HttpStatusCode.BadRequest => new JobRejectedException(title, detail, field),
            HttpStatusCode.NotFound => new JobNotFoundException(title, detail),
            _ => new CamApiException(status, title, detail, field),
        };
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public void Dispose()
    {
        if (ownsHttp) http.Dispose();
    }
}
