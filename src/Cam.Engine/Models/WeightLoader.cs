using Cam.Engine.Tensors;

namespace Cam.Engine.Models;

public sealed class WeightMismatchException(string message) : Exception(message);

/// <summary>
/// Loads a PyTorch state_dict saved as safetensors into a module, converting floating-point tensors to the
/// module's dtype. Every missing, unexpected and mis-shaped key is reported together; BatchNorm's
/// <c>num_batches_tracked</c> counters may be left out (they stay as the module has them).
/// </summary>
public static class WeightLoader
{
    public static void Load(nn.Module module, string path)
    {
        using var file = SafeTensors.Load(path);
        Load(module, file.Tensors, path);
    }

    public static void Load(nn.Module module, IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        var state = module.state_dict();
        // As PyTorch's load_state_dict in practice: BatchNorm's num_batches_tracked is unused in eval, often not saved.
        var missing = state.Keys.Where(k => !weights.ContainsKey(k) && !IsBatchCounter(k)).ToList();
        var unexpected = weights.Keys.Where(k => !state.ContainsKey(k)).ToList();
        var misshaped = state.Keys.Where(weights.ContainsKey)
            .Where(k => !state[k].shape.SequenceEqual(weights[k].shape))
            .Select(k => $"{k} (model [{string.Join(",", state[k].shape)}], file [{string.Join(",", weights[k].shape)}])")
            .ToList();
        if (missing.Count + unexpected.Count + misshaped.Count > 0)
        {
            var parts = new List<string>();
            if (missing.Count > 0) parts.Add($"missing keys: {string.Join(", ", missing)}");
            if (unexpected.Count > 0) parts.Add($"unexpected keys: {string.Join(", ", unexpected)}");
            if (misshaped.Count > 0) parts.Add($"mis-shaped keys: {string.Join(", ", misshaped)}");
            throw new WeightMismatchException($"{source} does not match the {module.GetName()} architecture: {string.Join("; ", parts)}");
        }
        using (torch.no_grad())
        {
            foreach (var (name, target) in state)
            {
                if (!weights.TryGetValue(name, out var value)) continue; // a num_batches_tracked left out
                if (target.dtype.IsFloatingPoint() != value.dtype.IsFloatingPoint() && target.dtype != value.dtype)
                {
                    // num_batches_tracked is int64 in PyTorch; accept any integer type for integer buffers.
                    if (target.dtype.IsFloatingPoint())
                        throw new WeightMismatchException($"{source}: '{name}' holds {value.dtype}, the model expects {target.dtype}");
                }
                using var converted = value.to(target.dtype, target.device);
                target.copy_(converted);
            }
        }
    }

    private static bool IsBatchCounter(string key) => key == "num_batches_tracked" || key.EndsWith(".num_batches_tracked");

    private static bool IsFloatingPoint(this ScalarType t) =>
        t is ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64;
}
