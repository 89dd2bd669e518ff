using Cam.Datasets;
using Cam.Specs;

namespace Cam.Scheduler.Validation;

/// <summary>What the scheduler learns of a model package at submission.</summary>
public sealed record PackageFacts(string Directory, int NumClasses, PreprocessSpec Preprocess);

/// <summary>
/// Checks a model package when a job is submitted, without loading it (no libtorch here): it lies under the model
/// root and its weights file inside the package, symbolic links resolved; <c>model.json</c> passes the reader the
/// workers use (<see cref="ModelManifestReader"/>); for a built-in architecture, the weights' header is sound and
/// its classifier head has as many rows as the package has classes. A TorchScript file is only checked to exist:
/// its class count is checked when a worker loads it.
/// </summary>
public sealed class ModelPackageInspector(SchedulerSettings settings)
{
    private const string Field = "model";

    public PackageFacts Inspect(string model)
    {
        var directory = Contained(settings.ModelRoot, model, $"model package '{model}' is outside the model root");
        if (!Directory.Exists(directory)) throw Invalid($"model package '{model}' does not exist");
        var manifest = ReadManifest(model, directory);
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
        return new PackageFacts(directory, manifest.NumClasses, manifest.Preprocess);
    }

    /// <summary>model.json, read and checked as the workers read it; its problems become validation errors of the field.</summary>
    private static ModelManifest ReadManifest(string model, string directory)
    {
        try
        {
            return ModelManifestReader.Read(directory, model);
        }
        catch (ModelPackageException e)
        {
            throw Invalid(e.Message);
        }
    }

    private static void CheckBuiltin(string model, ModelManifest manifest, string weights)
    {
        if (manifest.Architecture is null || !BuiltinArchitectures.HeadWeights.TryGetValue(manifest.Architecture, out var head))
            throw Invalid($"model package '{model}': unknown architecture '{manifest.Architecture}' (known: " +
                $"{string.Join(", ", BuiltinArchitectures.HeadWeights.Keys)})");
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

    /// <summary>The path of <paramref name="relative"/> under <paramref name="root"/>, symbolic links resolved, refused when it leads
    /// outside.</summary>
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
}
