using static TorchSharp.torch;

namespace Cam.Engine.Tests;

internal static class Tolerance
{
    /// <summary>Asserts equal shapes and max |a − b| ≤ <paramref name="tolerance"/>.</summary>
    public static void Absolute(Tensor expected, Tensor actual, double tolerance, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = (expected.cpu() - actual.cpu()).abs().max().item<float>();
        Assert.True(diff <= tolerance, $"{what}: max abs difference {diff:E3} > {tolerance:E1}");
    }

    /// <summary>Asserts max |a − b| ≤ tolerance × max |expected|.</summary>
    public static void Relative(Tensor expected, Tensor actual, double tolerance, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var scale = expected.abs().max().item<float>();
        var diff = (expected.cpu() - actual.cpu()).abs().max().item<float>();
        Assert.True(diff <= tolerance * scale, $"{what}: max abs difference {diff:E3} > {tolerance:E1} × {scale:E3}");
    }
}
