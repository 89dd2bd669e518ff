using Cam.Contracts;
using Cam.Engine.Methods;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>The methods taken from pytorch-grad-cam, beyond what the parity fixtures pin down.</summary>
public class PgcMethodTests
{
    [Fact]
    public void every_method_name_creates_the_method_of_that_name_and_the_options_it_does_not_take_are_refused()
    {
        foreach (var name in MethodNames.All) Assert.Equal(name, CamMethods.Create(name).Name);
        var target = Assert.Throws<ArgumentException>(() => CamMethods.Create("scorecam", new MethodOptions { Target = ScoreTarget.Softmax }));
        Assert.Contains("target 'softmax'", target.Message);
        Assert.Throws<ArgumentException>(() => CamMethods.Create("eigencam", new MethodOptions { EigenSmooth = true }));
        var hires = CamMethods.Create(new MethodSpec("hirescam", Target: "rest", AugSmooth: true, EigenSmooth: true));
        Assert.Equal((ScoreTarget.Rest, true, true), (hires.Target, hires.AugSmooth, hires.EigenSmooth));
    }

    [Fact]
    public void the_principal_projection_of_a_rank_one_activation_is_its_centred_spatial_profile_with_the_stronger_side_up()
    {
        // A[c, p] = v_c · u_p: centred over positions, X = (u − ū) vᵀ, whose first right singular vector is ±v/|v|, so the
        // projection is ±(u − ū)·|v|; the rule keeps the sign whose maximum outweighs its minimum.
        float[] u = [0, 1, 2, 3, 10, 4];
        float[] v = [3, -4];
        var a = tensor(v.SelectMany(vc => u.Select(up => vc * up)).ToArray(), [1, 2, 2, 3]);
        var mean = u.Average();
        var expected = u.Select(up => (up - mean) * 5f).ToArray();
        var projection = CamMaps.PrincipalProjection(a).flatten().data<float>().ToArray();
        Assert.Equal(expected, projection, (x, y) => Math.Abs(x - y) < 1e-4);
        var flipped = CamMaps.PrincipalProjection(a.neg()).flatten().data<float>().ToArray();
        Assert.Equal(expected, flipped, (x, y) => Math.Abs(x - y) < 1e-4);
    }

    [Fact]
    public void random_cam_draws_its_weights_per_item_so_a_map_does_not_depend_on_the_batch_and_the_seed_changes_it()
    {
        using var model = Fixtures.ResNet18();
        var input = randn(3, 3, 64, 64, generator: new TorchSharp.torch.Generator(7));
        Tensor Map(long seed, Tensor x, long[] keys)
        {
            var explainer = new CamExplainer(model, CamMethods.Create("randomcam", new MethodOptions { Seed = seed }), ["layer3"]);
            using var result = explainer.Explain(x, ClassSelection.ForBatch(1), itemKeys: keys);
            return result.Maps[0].clone();
        }
        var batch = Map(0, input, [10, 11, 12]);
        var alone = Map(0, input[1..2], [11]);
        // the same weights: equal up to the convolutions' float noise between batch sizes
        var difference = (batch[1..2] - alone).abs().max().item<float>();
        Assert.True(difference < 1e-4, $"the item's map differs by {difference} explained alone");
        var reseeded = Map(5, input, [10, 11, 12]);
        Assert.False(batch.allclose(reseeded, atol: 1e-3));
    }
}
