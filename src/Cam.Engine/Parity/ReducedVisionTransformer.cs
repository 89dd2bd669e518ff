using System.Text.Json;
using Cam.Engine.Models;

namespace Cam.Engine.Parity;

/// <summary>
/// torchvision's <c>VisionTransformer</c> class at sizes of a fixture's choosing (small, so that its cases stay fast):
/// <c>vit_config</c> holds the class's keyword arguments as JSON, <c>{"image_size": 32, "patch_size": 8,
/// "num_layers": 3, "num_heads": 4, "hidden_dim": 48, "mlp_dim": 96}</c>, every one required, no other key.
/// </summary>
public static class ReducedVisionTransformer
{
    public const string Architecture = "VisionTransformer";

    private static readonly string[] Keys =
        ["image_size", "patch_size", "num_layers", "num_heads", "hidden_dim", "mlp_dim"];

    public static VisionTransformer Create(string config, int numClasses)
    {
        Dictionary<string, int> sizes;
        try
        {
            sizes = JsonSerializer.Deserialize<Dictionary<string, int>>(config)
                    ?? throw new FormatException("vit_config is null");
        }
        catch (JsonException e)
        {
            throw new FormatException($"vit_config is not a JSON object of integers: {e.Message}");
        }
        var unknown = sizes.Keys.Except(Keys).ToList();
        if (unknown.Count > 0)
            throw new FormatException($"vit_config has unknown keys {string.Join(", ", unknown)} " +
                $"(known: {string.Join(", ", Keys)})");
        var missing = Keys.Except(sizes.Keys).ToList();
        if (missing.Count > 0) throw new FormatException($"vit_config lacks {string.Join(", ", missing)}");
        return new VisionTransformer(Architecture, sizes["image_size"], sizes["patch_size"], sizes["num_layers"],
            sizes["num_heads"], sizes["hidden_dim"], sizes["mlp_dim"], numClasses);
    }
}
