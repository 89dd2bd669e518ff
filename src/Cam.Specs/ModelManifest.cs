using System.Text.Json;
using System.Text.Json.Serialization;
using Cam.Datasets;

namespace Cam.Specs;

/// <summary>
/// <c>model.json</c> of a model package: a built-in architecture with safetensors weights, or a TorchScript file
/// whose forward returns <c>(logits, activation_1, …)</c> named by <see cref="Outputs"/>. Read and checked by
/// <see cref="ModelManifestReader"/>, the same for the scheduler, the workers and the audit.
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
