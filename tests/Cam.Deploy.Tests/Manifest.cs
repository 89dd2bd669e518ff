namespace Cam.Deploy.Tests;

/// <summary>Helpers over rendered objects (JSON nodes whose scalars are strings).</summary>
public static class Manifest
{
    public const string SchedulerDeployment = "cam-scheduler";
    public const string WorkerDeployment = "cam-worker";
    public const string MigrationJob = "cam-migrate";

    public static string? Str(JsonNode? node) => node?.GetValue<string>();

    public static int Int(JsonNode? node) =>
        int.TryParse(Str(node), out var value) ? value : throw new Xunit.Sdk.XunitException($"not an integer: {node?.ToJsonString() ?? "missing"}");

    public static IEnumerable<JsonObject> Items(JsonNode? array) => array?.AsArray().OfType<JsonObject>() ?? [];

    public static JsonObject PodSpec(JsonObject workload) =>
        workload["spec"]?["template"]?["spec"]?.AsObject() ?? throw new Xunit.Sdk.XunitException("workload without a pod template");

    public static IEnumerable<JsonObject> Containers(JsonObject podSpec) =>
        Items(podSpec["containers"]).Concat(Items(podSpec["initContainers"]));

    public static JsonObject Container(JsonObject workload, string name) =>
        Containers(PodSpec(workload)).SingleOrDefault(c => Str(c["name"]) == name)
        ?? throw new Xunit.Sdk.XunitException($"no container {name}");

    /// <summary>Pod templates of every workload in a render.</summary>
    public static IEnumerable<(string Name, JsonObject PodSpec)> Pods(Rendered rendered) =>
        rendered.Objects
            .Where(o => Str(o["kind"]) is "Deployment" or "StatefulSet" or "DaemonSet" or "Job")
            .Select(o => ($"{Str(o["kind"])}/{Str(o["metadata"]?["name"])}", PodSpec(o)));

    /// <summary>
    /// The value a container sees for an environment variable: its own env entries (literal or ConfigMap key) win
    /// over envFrom ConfigMaps. Null when unset; throws for a Secret-backed value.
    /// </summary>
    public static string? Env(Rendered rendered, JsonObject container, string name)
    {
        foreach (var entry in Items(container["env"]).Where(e => Str(e["name"]) == name))
        {
            if (entry["value"] is { } value) return Str(value);
            if (entry["valueFrom"]?["configMapKeyRef"] is { } keyRef)
                return Str(rendered.Single("ConfigMap", Str(keyRef["name"])!)["data"]?[Str(keyRef["key"])!]);
            throw new Xunit.Sdk.XunitException($"{name} is not a literal or ConfigMap value");
        }
        string? found = null;
        foreach (var source in Items(container["envFrom"]))
            if (source["configMapRef"]?["name"] is { } map && rendered.Single("ConfigMap", Str(map)!)["data"]?[name] is { } v)
                found = Str(v);
        return found;
    }
}
