using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cam.Datasets;
using Cam.Engine.Models;
using Cam.Engine.Tensors;
using static TorchSharp.torch;

namespace Cam.Engine.Packages;

public sealed class ModelPackageException(string message) : Exception(message);

/// <summary>
/// <c>model.json</c> of a model package: a built-in architecture with safetensors weights, or a TorchScript file
/// whose forward returns <c>(logits, activation_1, …)</c> named by <see cref="Outputs"/>.
/// </summary>
public sealed record ModelManifest
{
    /// <summary><c>builtin</c> or <c>torchscript</c>.</summary>
    public string Format { get; init; } = "builtin";
    public string? Architecture { get; init; }
    /// <summary>Weights (builtin) or the TorchScript file, relative to the package.</summary>
    public string File { get; init; } = "";
    public int NumClasses { get; init; }
    public IReadOnlyList<string> Labels { get; init; } = [];
    public PreprocessSpec Preprocess { get; init; } = PreprocessSpec.ImageNet;
    public IReadOnlyList<string> TargetLayers { get; init; } = [];
    /// <summary>TorchScript only: the activations returned after the logits, by name, token sequences with their layout.</summary>
    public IReadOnlyList<ModelOutput> Outputs { get; init; } = [];

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>A loaded model package: the classifier plus what is needed to feed it and name its classes.</summary>
public sealed class ModelPackage : IDisposable
{
    private ModelPackage(string directory, ModelManifest manifest, IClassifier classifier)
    {
        Directory = directory;
        Manifest = manifest;
        Classifier = classifier;
    }

    public string Directory { get; }
    public ModelManifest Manifest { get; }
    public IClassifier Classifier { get; }

    /// <summary>Index of a label, or null when the package has no such label (labels that are integers index directly).</summary>
    public int? ClassOf(string label)
    {
        for (var i = 0; i < Manifest.Labels.Count; i++)
            if (string.Equals(Manifest.Labels[i], label, StringComparison.Ordinal)) return i;
        return int.TryParse(label, out var index) && index >= 0 && index < Manifest.NumClasses ? index : null;
    }

    public static ModelManifest ReadManifest(string directory)
    {
        var path = InPackage(directory, "model.json");
        if (!System.IO.File.Exists(path)) throw new ModelPackageException($"model package '{directory}' has no model.json");
        ModelManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<ModelManifest>(System.IO.File.ReadAllText(path), ModelManifest.Json)
                       ?? throw new ModelPackageException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new ModelPackageException($"{path} is not valid: {e.Message}");
        }
        if (manifest.NumClasses < 1) throw new ModelPackageException($"{path}: numClasses must be positive");
        if (manifest.Labels.Count > 0 && manifest.Labels.Count != manifest.NumClasses)
            throw new ModelPackageException($"{path}: {manifest.Labels.Count} labels for {manifest.NumClasses} classes");
        try
        {
            manifest.Preprocess.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ModelPackageException($"{path}: preprocess: {e.Message}");
        }
        foreach (var output in manifest.Outputs)
        {
            try
            {
                output.Tokens?.Validate();
            }
            catch (ArgumentException e)
            {
                throw new ModelPackageException($"{path}: output '{output.Name}': {e.Message}");
            }
        }
        var repeated = manifest.Outputs.GroupBy(o => o.Name).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null) throw new ModelPackageException($"{path}: output '{repeated.Key}' is named twice");
        return manifest;
    }

    public static ModelPackage Load(string directory, Device? device = null)
    {
        directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(directory)) throw new ModelPackageException($"model package '{directory}' does not exist");
        var manifest = ReadManifest(directory);
        if (string.IsNullOrEmpty(manifest.File)) throw new ModelPackageException($"model package '{directory}': model.json names no file");
        var file = InPackage(directory, manifest.File);
        if (!System.IO.File.Exists(file))
            throw new ModelPackageException($"model package '{directory}': file '{manifest.File}' is missing");
        IClassifier classifier = manifest.Format switch
        {
            "builtin" => LoadBuiltin(directory, manifest, file, device),
            "torchscript" => ScriptClassifier.Load(file, manifest.Outputs.Select(o => o.Name).ToList(), manifest.NumClasses, device,
                manifest.Outputs.Where(o => o.Tokens is not null).ToDictionary(o => o.Name, o => o.Tokens!)),
            _ => throw new ModelPackageException($"model package '{directory}': unknown format '{manifest.Format}' (builtin or torchscript)"),
        };
        try
        {
            CheckClassCount(classifier, manifest, directory);
            foreach (var layer in manifest.TargetLayers)
                if (!classifier.LayerNames.Contains(layer))
                    throw new ModelPackageException($"model package '{directory}': target layer '{layer}' does not exist");
            return new ModelPackage(directory, manifest, classifier);
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    /// <summary>A file of the package, which must stay inside its folder (symbolic links resolved).</summary>
    private static string InPackage(string directory, string file)
    {
        try
        {
            return ModelPackagePaths.File(directory, file);
        }
        catch (UnsafePathException e)
        {
            throw new ModelPackageException($"model package '{directory}': {e.Message}");
        }
    }

    private static IClassifier LoadBuiltin(string directory, ModelManifest manifest, string file, Device? device)
    {
        if (manifest.Architecture is null) throw new ModelPackageException($"model package '{directory}': a builtin model needs an architecture");
        try
        {
            return ModuleClassifier.Load(manifest.Architecture, manifest.NumClasses, file, device);
        }
        catch (Exception e) when (e is ArgumentException or WeightMismatchException or SafeTensorsException)
        {
            throw new ModelPackageException($"model package '{directory}': {e.Message}");
        }
    }

    private static void CheckClassCount(IClassifier classifier, ModelManifest manifest, string directory)
    {
        var size = manifest.Preprocess.Crop is var (h, w) ? new long[] { 1, 3, h, w } : [1, 3, 64, 64];
        using var probe = zeros(size, device: classifier.Device);
        Tensor logits;
        try
        {
            logits = classifier.Logits(probe);
        }
        catch (Exception e) when (e is ArgumentException or ExternalException or InvalidOperationException)
        {
            // A ViT takes one input size: without a crop to it, every image would fail.
            throw new ModelPackageException($"model package '{directory}': the model refuses a ({string.Join(", ", size)}) input" +
                $"{(manifest.Preprocess.Crop is null ? " (a model that takes one input size needs preprocess.centerCrop)" : "")}: {e.Message.Split('\n')[0]}");
        }
        using var _ = logits;
        if (logits.ndim != 2 || logits.shape[1] != manifest.NumClasses)
            throw new ModelPackageException($"model package '{directory}': the model gives {(logits.ndim == 2 ? logits.shape[1] : -1)} logits, model.json says {manifest.NumClasses} classes");
    }

    public void Dispose() => Classifier.Dispose();
}
