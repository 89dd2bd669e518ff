using Cam.Engine.Parity;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>The counter-based values of Fixtures/modern/make_modern.py (<see cref="CounterValues"/>) at the tests' seed.</summary>
internal static class DeterministicWeights
{
    public const ulong Seed = CounterValues.Seed;

    public static T Fill<T>(T module, ulong seed = Seed) where T : nn.Module => CounterValues.Fill(module, seed);

    /// <summary>An input of this shape, values in [-1, 1).</summary>
    public static Tensor Image(string key, long[] shape, ulong seed = Seed) => CounterValues.Image(key, shape, seed);
}
