using System.Text.Json;
using Cam.Datasets;

namespace Cam.Specs;

/// <summary>
/// Reads <c>model.json</c> and checks what it says on its own (class count, labels, preprocessing, outputs), without
/// loading the model: the one reader of the scheduler (at submission), the engine (at load) and the audit.
/// A problem is a <see cref="ModelPackageException"/> naming the package.
/// </summary>
public static class ModelManifestReader
{
    /// <param name="directory">The package folder; <c>model.json</c> must lie inside it, symbolic links resolved.</param>
    /// <param name="name">How messages name the package (the scheduler: as submitted); the folder when null.</param>
    public static ModelManifest Read(string directory, string? name = null)
    {
        name ??= directory;
        string path;
        try
        {
            path = ModelPackagePaths.File(directory, "model.json");
        }
        catch (UnsafePathException e)
        {
            throw Invalid(name, e.Message);
        }
        if (!File.Exists(path)) throw new ModelPackageException($"model package '{name}' has no model.json");
        ModelManifest? manifest;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            if (StrictKeys.Describe<ModelManifest>(document.RootElement, "model.json") is { } unknown) throw Invalid(name, unknown);
            manifest = document.RootElement.Deserialize<ModelManifest>(ModelManifest.Json);
        }
        catch (JsonException e)
        {
            throw Invalid(name, $"model.json is not valid: {e.Message}");
        }
        if (manifest is null) throw Invalid(name, "model.json is empty");
        // Lists given as null are absent; a null preprocess is refused (its absence means ImageNet's).
        manifest = manifest with { Labels = manifest.Labels ?? [], TargetLayers = manifest.TargetLayers ?? [], Outputs = manifest.Outputs ?? [] };
        return Check(manifest, name);
    }

    /// <summary>The manifest checked, its preprocessing's preset applied.</summary>
    private static ModelManifest Check(ModelManifest manifest, string name)
    {
        if (manifest.NumClasses < 1) throw Invalid(name, "numClasses must be positive");
        if (manifest.Labels.Any(l => l is null)) throw Invalid(name, "labels must be strings");
        if (manifest.TargetLayers.Any(l => string.IsNullOrEmpty(l))) throw Invalid(name, "targetLayers must be layer names");
        if (manifest.Outputs.Any(o => o is null)) throw Invalid(name, "outputs must be names or {\"name\": …, \"tokens\": {…}}");
        if (manifest.Labels.Count > 0 && manifest.Labels.Count != manifest.NumClasses)
            throw Invalid(name, $"{manifest.Labels.Count} labels for {manifest.NumClasses} classes");
        if (manifest.Preprocess is null) throw Invalid(name, "preprocess must be an object");
        try
        {
            manifest.Preprocess.Validate();
            manifest = manifest with { Preprocess = PreprocessPresets.Apply(manifest.Preprocess, manifest.Architecture) };
        }
        catch (ArgumentException e)
        {
            throw Invalid(name, $"preprocess: {e.Message}");
        }
        foreach (var output in manifest.Outputs)
        {
            try
            {
                output.Tokens?.Validate();
            }
            catch (ArgumentException e)
            {
                throw Invalid(name, $"output '{output.Name}': {e.Message}");
            }
            if (output.ForwardWith is { } method && string.IsNullOrWhiteSpace(method))
                throw Invalid(name, $"output '{output.Name}': forwardWith must name a method of the module");
            if (output.ForwardWith is not null && output.Tokens is not null)
                throw Invalid(name,
                    $"output '{output.Name}': forwardWith takes (N, C, h, w) activations, not a token sequence");
        }
        var repeated = manifest.Outputs.GroupBy(o => o.Name).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw Invalid(name, $"output '{repeated.Key}' is named twice");
        return manifest;
    }

    private static ModelPackageException Invalid(string name, string problem) => new($"model package '{name}': {problem}");
}
