using Cam.Engine.Layers;
using Cam.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

public class TokenLayoutTests
{
    [Fact]
    public void Folding_drops_the_prefix_and_puts_token_i_of_row_r_at_row_r_column_i()
    {
        var (n, prefix, h, w, d) = (2, 2, 3, 4, 5);
        using var tokens = randn(n, prefix + h * w, d);
        using var folded = new TokenLayout { Prefix = prefix, Patch = 16 }.Fold(tokens, 16 * h, 16 * w);
        Assert.Equal(new long[] { n, d, h, w }, folded.shape);
        var source = tokens.data<float>().ToArray();
        var actual = folded.data<float>().ToArray();
        for (var b = 0; b < n; b++)
            for (var c = 0; c < d; c++)
                for (var r = 0; r < h; r++)
                    for (var col = 0; col < w; col++)
                        Assert.Equal(source[(b * (prefix + h * w) + prefix + r * w + col) * d + c], actual[((b * d + c) * h + r) * w + col]);
    }

    [Theory]
    [InlineData(196, 224, 224, 14, 14)]
    [InlineData(12, 48, 64, 3, 4)]
    [InlineData(12, 64, 48, 4, 3)]
    [InlineData(140, 230, 170, 14, 10)]
    public void Without_a_patch_size_the_grid_follows_the_inputs_aspect_ratio(long tokens, long height, long width, long h, long w)
    {
        Assert.Equal((h, w), new TokenLayout { Prefix = 1 }.Grid(tokens, height, width));
    }

    [Fact]
    public void Tokens_that_do_not_fit_the_grid_are_refused_saying_why()
    {
        var ambiguous = Assert.Throws<ArgumentException>(() => new TokenLayout { Prefix = 1 }.Grid(12, 64, 64));
        Assert.Contains("declare the patch size", ambiguous.Message);
        var wrongCount = Assert.Throws<ArgumentException>(() => new TokenLayout { Prefix = 1, Patch = 16 }.Grid(10, 64, 64));
        Assert.Contains("4×4 grid", wrongCount.Message);
        using var image = zeros(1, 8, 4, 4);
        Assert.Contains("(N, tokens, channels)", Assert.Throws<ArgumentException>(() => new TokenLayout { Prefix = 1 }.Fold(image, 64, 64)).Message);
        using var onlyPrefix = zeros(1, 1, 8);
        Assert.Contains("no patch tokens", Assert.Throws<ArgumentException>(() => new TokenLayout { Prefix = 1 }.Fold(onlyPrefix, 64, 64)).Message);
        Assert.Throws<ArgumentException>(() => new TokenLayout { Prefix = -1 }.Validate());
        Assert.Throws<ArgumentException>(() => new TokenLayout { Prefix = 1, Patch = 0 }.Validate());
    }
}
