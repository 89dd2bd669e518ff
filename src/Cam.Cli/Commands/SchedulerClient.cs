using Cam.Client;

namespace Cam.Cli.Commands;

/// <summary>
/// The typed client (Cam.Client) of the scheduler that <c>--scheduler</c>/<c>CAM_SCHEDULER_URL</c> names, with
/// <c>--api-key</c>/<c>CAM_API_KEY</c>; and the conversions between the CLI's specs and the client's.
/// </summary>
internal static class SchedulerClient
{
    public static CamClient Create(string? url, string? apiKey)
    {
        url ??= CliSettings.Current.SchedulerUrl.ToString();
        apiKey ??= CliSettings.Current.ApiKey;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var baseUri)) throw new ArgumentException($"'{url}' is not a scheduler URL");
        return new CamClient(baseUri, apiKey);
    }

    /// <summary>The client's job spec for the CLI's (same fields).</summary>
    public static Cam.Client.JobSpec Spec(Specs.JobSpec spec) => new()
    {
        Dataset = spec.Dataset,
        Model = spec.Model,
        Methods = spec.Methods.Select(m => new Cam.Client.MethodSpec(m.Name, m.NumSamples, m.Std, m.Seed, m.Convention,
            m.Target, m.AugSmooth, m.EigenSmooth)).ToList(),
        Layers = spec.Layers,
        Classes = spec.Classes,
        ShardSize = spec.ShardSize,
        Metrics = spec.Metrics,
        MetricSteps = spec.MetricSteps,
    };
}
