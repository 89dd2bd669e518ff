using System.Runtime.InteropServices;
using Cam.Datasets;
using Cam.Engine.Models;
using Cam.Engine.Tensors;
using Cam.Specs;

namespace Cam.Engine.Packages;

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

    public static ModelPackage Load(string directory, Device? device = null)
    {
        directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(directory)) throw new ModelPackageException($"model package '{directory}' does not exist");
        var manifest = ModelManifestReader.Read(directory);
        if (string.IsNullOrEmpty(manifest.File)) throw new ModelPackageException($"model package '{directory}': model.json names no file");
        var file = InPackage(directory, manifest.File);
        if (!System.IO.File.Exists(file))
            throw new ModelPackageException($"model package '{directory}': file '{manifest.File}' is missing");
        IClassifier classifier = manifest.Format switch
        {
            "builtin" => LoadBuiltin(directory, manifest, file, device),
            "torchscript" => ScriptClassifier.Load(file, manifest.Outputs.Select(o => o.Name).ToList(), manifest.NumClasses, device,
                manifest.Outputs.Where(o => o.Tokens is not null).ToDictionary(o => o.Name, o => o.Tokens!),
                manifest.Outputs.Where(o => o.ForwardWith is not null).ToDictionary(o => o.Name, o => o.ForwardWith!)),
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
                $"{(manifest.Preprocess.Crop is null ? " (a model that takes one input size needs preprocess.centerCrop)" : "")}: " +
                    $"{e.Message.Split('\n')[0]}");
        }
        using var _ = logits;
        if (logits.ndim != 2 || logits.shape[1] != manifest.NumClasses)
            throw new ModelPackageException($"model package '{directory}': the model gives {(logits.ndim == 2 ? logits.shape[1] : -1)} logits, " +
                $"model.json says {manifest.NumClasses} classes");
        if (classifier is ScriptClassifier script && script.ForwardWithProblem(probe) is { } problem)
            throw new ModelPackageException($"model package '{directory}': forwardWith: {problem}");
    }

    public void Dispose() => Classifier.Dispose();
}
