using System.Text.Json;
using Cam.Datasets;

namespace Cam.Scheduler.Validation;

/// <summary>What the scheduler learns of a model package at submission.</summary>
public sealed record PackageFacts(string Directory, int NumClasses, PreprocessSpec Preprocess);

/// <summary>
/// Checks a model package when a job is submitted, without loading it (no libtorch here): it lies under the model
/// root and its weights file inside the package, symbolic links resolved; <c>model.json</c> parses and is
/// consistent; for a built-in architecture, the weights' header is sound and its classifier head has as many rows
/// as the package has classes. A TorchScript file is only checked to exist: its class count is checked when a
/// worker loads it.
/// </summary>
public sealed class ModelPackageInspector(SchedulerSettings settings)
{
    private const string Field = "model";

    public PackageFacts Inspect(string model)
    {
        var directory = Contained(settings.ModelRoot, model, $"model package '{model}' is outside the model root");
        if (!Directory.Exists(directory)) throw Invalid($"model package '{model}' does not exist");
        var manifestPath = Path.Combine(directory, "model.json");
        if (!File.Exists(manifestPath)) throw Invalid($"model package '{model}' has no model.json");
        var manifest = ReadManifest(model, manifestPath);
        if (string.IsNullOrEmpty(manifest.File)) throw Invalid($"model package '{model}': model.json names no file");
        var weights = Contained(directory, manifest.File, $"model package '{model}': file '{manifest.File}' lies outside the package");
        if (!File.Exists(weights)) throw Invalid($"model package '{model}': file '{manifest.File}' is missing");
        switch (manifest.Format)
        {
            case "builtin":
                CheckBuiltin(model, manifest, weights);
                break;
            case "torchscript":
                break;
            default:
                throw Invalid($"model package '{model}': unknown format '{manifest.Format}' (builtin or torchscript)");
        }
        return new PackageFacts(directory, manifest.NumClasses, manifest.Preprocess!);
    }

    private static SubmittedManifest ReadManifest(string model, string path)
    {
        SubmittedManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<SubmittedManifest>(File.ReadAllText(path), JsonSerializerOptions.Web);
        }
        catch (JsonException e)
        {
            throw Invalid($"model package '{model}': model.json is not valid: {e.Message}");
        }
        if (manifest is null) throw Invalid($"model package '{model}': model.json is empty");
        if (manifest.NumClasses < 1) throw Invalid($"model package '{model}': numClasses must be positive");
        if (manifest.Labels is { Count: > 0 } labels && labels.Count != manifest.NumClasses)
            throw Invalid($"model package '{model}': {labels.Count} labels for {manifest.NumClasses} classes");
        if (manifest.Preprocess is null) throw Invalid($"model package '{model}': preprocess must be an object");
        try
        {
            manifest.Preprocess.Validate();
        }
        catch (ArgumentException e)
        {
            throw Invalid($"model package '{model}': preprocess: {e.Message}");
        }
        return manifest;
    }

    private static void CheckBuiltin(string model, SubmittedManifest manifest, string weights)
    {
        if (manifest.Architecture is null || !BuiltinArchitectures.HeadWeights.TryGetValue(manifest.Architecture, out var head))
            throw Invalid($"model package '{model}': unknown architecture '{manifest.Architecture}' (known: {string.Join(", ", BuiltinArchitectures.HeadWeights.Keys)})");
        IReadOnlyDictionary<string, long[]> shapes;
        try
        {
            shapes = WeightsHeader.Read(weights);
        }
        catch (Exception e) when (e is FormatException or IOException)
        {
            throw Invalid($"model package '{model}': {manifest.File} is not a sound safetensors file: {e.Message}");
        }
        if (!shapes.TryGetValue(head, out var shape) || shape.Length == 0)
            throw Invalid($"model package '{model}': {manifest.File} has no '{head}', the head of {manifest.Architecture}");
        if (shape[0] != manifest.NumClasses)
            throw Invalid($"model package '{model}': the weights' head '{head}' gives {shape[0]} classes, model.json says {manifest.NumClasses}");
    }

    /// <summary>The path of <paramref name="relative"/> under <paramref name="root"/>, symbolic links resolved, refused when it leads outside.</summary>
    private static string Contained(string root, string relative, string outside)
    {
        try
        {
            return new DataRoot(root).Resolve(".", relative);
        }
        catch (UnsafePathException)
        {
            throw Invalid(outside);
        }
    }

    private static JobValidationException Invalid(string problem) => new(Field, problem);

    /// <summary>The parts of <c>model.json</c> checked here (the engine's ModelManifest reads the whole).</summary>
    private sealed record SubmittedManifest
    {
        public string Format { get; init; } = "builtin";
        public string? Architecture { get; init; }
        public string? File { get; init; }
        public int NumClasses { get; init; }
        public IReadOnlyList<string>? Labels { get; init; }
        public PreprocessSpec? Preprocess { get; init; } = PreprocessSpec.ImageNet;
    }
}
