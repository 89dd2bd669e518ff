namespace Cam.Engine.Parity;

/// <summary>
/// Counter-based weights and inputs, the same bit for bit as the reference scripts make them
/// (tests/Cam.Engine.Tests/Fixtures/modern/make_modern.py): every floating-point state_dict entry filled from
/// splitmix64(FNV-1a(name) ^ seed + index), so that C# and PyTorch hold the same weights without a weights file.
/// Inputs come from the same generator keyed by the case. A fixture names them <c>counter:SEED</c>.
/// </summary>
public static class CounterValues

{
    public const ulong Seed = 16;

    public static T Fill<T>(T module, ulong seed = Seed) where T : nn.Module
    {
        using var _ = no_grad();
        foreach (var (name, tensor) in module.state_dict())
        {
            if (!tensor.is_floating_point()) continue;
            using var values = Values(name, tensor.shape, seed);
            tensor.copy_(values);
        }
        return module;
    }

    /// <summary>An input of this shape, values in [-1, 1).</summary>
    public static Tensor Image(string key, long[] shape, ulong seed = Seed) =>
        torch.tensor(Uniform(key, shape.Aggregate(1L, (a, b) => a * b), seed), shape);

    private static Tensor Values(string name, long[] shape, ulong seed)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var u = Uniform(name, count, seed);
        Func<float, float> rule =
            name.EndsWith("running_var", StringComparison.Ordinal) ? v => v * 0.4f + 0.8f
            : name.EndsWith("running_mean", StringComparison.Ordinal) ? v => v * 0.1f
            : shape.Length == 1 && name.EndsWith("weight", StringComparison.Ordinal) ? v => v * 0.2f + 1f
            : shape.Length <= 1 ? v => v * 0.1f
            : Scaled((float)Math.Sqrt(6.0 / (count / shape[0])));
        for (var i = 0; i < u.Length; i++) u[i] = rule(u[i]);
        return torch.tensor(u, shape);
    }

    private static Func<float, float> Scaled(float scale) => v => v * scale;

    private static float[] Uniform(string key, long count, ulong seed)
    {
        var start = Fnv1a64(key) ^ seed;
        var values = new float[count];
        for (long i = 0; i < count; i++)
        {
            var z = start + (ulong)i + 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            z ^= z >> 31;
            values[i] = ((long)(z >> 40) - (1 << 23)) / 8388608f;
        }
        return values;
    }

    private static ulong Fnv1a64(string text)
    {
        var h = 0xCBF29CE484222325UL;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(text)) h = (h ^ b) * 0x100000001B3UL;
        return h;
    }
}
