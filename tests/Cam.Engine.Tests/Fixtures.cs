using System.Text.Json;
using Cam.Engine.Models;

namespace Cam.Engine.Tests;

/// <summary>The golden outputs of the reference implementation, copied from shared/fixtures/parity and parity-gradient.</summary>
internal static class Fixtures
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "parity");
    public static string GradientDir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "parity-gradient");
    public static string PgcDir => Path.Combine(AppContext.BaseDirectory, "Fixtures", "parity-pgc");
    public static string PathOf(string file) => Path.Combine(Dir, file);
    public static string ResNet18Weights => PathOf("resnet18-seed0.safetensors");

    private static readonly Lazy<List<Dictionary<string, JsonElement>>> GradientIndex = new(() =>
        JsonSerializer.Deserialize<List<Dictionary<string, JsonElement>>>(File.ReadAllText(Path.Combine(GradientDir, "index-gradient.json")))!);

    public static IEnumerable<Dictionary<string, JsonElement>> GradientCases => GradientIndex.Value;

    public static ModuleClassifier ResNet18() => ModuleClassifier.Load("resnet18", 10, ResNet18Weights);
}
