using System.Collections.Concurrent;
using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Cam.Deploy.Tests;

/// <summary>Renders deploy/k8s targets with <c>kubectl kustomize</c>; each render is made once per test run.</summary>
public static class Kustomize
{
    public const string Base = "base";
    public static readonly string[] Targets = [Base, "overlays/dev", "overlays/gke", "overlays/eks", "overlays/aks"];

    private static readonly ConcurrentDictionary<string, Lazy<Rendered>> Renders = new();

    public static string RepoRoot => Cam.Tests.Shared.RepositoryRoot.Path;

    public static Rendered Render(string target) =>
        Renders.GetOrAdd(target, t => new Lazy<Rendered>(() => Run(t))).Value;

    private static Rendered Run(string target)
    {
        var kubectl = FindOnPath("kubectl")
            ?? throw new InvalidOperationException(
                "kubectl was not found on PATH: the deployment tests render deploy/k8s with `kubectl kustomize` (kubectl >= 1.27) and " +
                    "cannot run without it.");
        var path = Path.Combine(RepoRoot, "deploy", "k8s", target);
        var start = new ProcessStartInfo(kubectl)
        {
            ArgumentList = { "kustomize", path },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoRoot,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {kubectl}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new Rendered(target, process.ExitCode, stdout, stderr.Result, process.ExitCode == 0 ? Parse(stdout) : []);
    }

    private static List<JsonObject> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => ToJson(d.RootNode)).OfType<JsonObject>().ToList();
    }

    /// <summary>YAML to JSON nodes; every scalar stays a string (compare with <see cref="Manifest.Int"/>).</summary>
    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(kv =>
            KeyValuePair.Create(((YamlScalarNode)kv.Key).Value ?? "", ToJson(kv.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode { Value: null or "null" or "~", Style: YamlDotNet.Core.ScalarStyle.Plain } => null,
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? ""),
        _ => null,
    };

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .SelectMany(dir => new[] { Path.Combine(dir, name), Path.Combine(dir, name + ".exe") })
        .FirstOrDefault(File.Exists);
}

public sealed record Rendered(string Target, int ExitCode, string Yaml, string Errors, IReadOnlyList<JsonObject> Objects)
{
    public IEnumerable<JsonObject> OfKind(string kind) => Objects.Where(o => Manifest.Str(o["kind"]) == kind);

    public JsonObject Single(string kind, string name) =>
        OfKind(kind).SingleOrDefault(o => Manifest.Str(o["metadata"]?["name"]) == name)
        ?? throw new Xunit.Sdk.XunitException($"{Target}: no {kind} named {name}");

    public override string ToString() => Target;
}
