using Cam.Demo;
using Cam.Engine.Metrics;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Jobs.Tests;

public class CamLocalisationLossTests
{
    private const int Input = 128;

    // An 8×8 map (16-pixel cells) that is zero except for one cell.
    private static Tensor SpikeAt(int row, int column, float value)
    {
        var map = zeros(1, 8, 8);
        map[0, row, column] = tensor(value);
        return map;
    }

    private static float Loss(Tensor maps, params float[][] boxes) =>
        CamLocalisationLoss.Compute(maps, tensor(boxes.SelectMany(b => b).ToArray()).view(boxes.Length, 4), Input, Input).item<float>();

    [Fact]
    public void The_loss_is_minus_the_log_of_the_softmax_share_of_the_cells_whose_centres_lie_in_the_box()
    {
        // Cell (2, 5) has its centre at pixel (5·16 + 7.5, 2·16 + 7.5) = (87.5, 39.5); the box holds that centre only.
        using var map = SpikeAt(2, 5, 3f);
        var inside = Loss(map, [80, 32, 96, 48]);
        Assert.Equal(Math.Log(Math.Exp(3) + 63) - 3, inside, 4);
        // A box elsewhere holds one zero cell: −log(1 / (e³ + 63)).
        var outside = Loss(map, [0, 0, 16, 16]);
        Assert.Equal(Math.Log(Math.Exp(3) + 63), outside, 4);
        // A box over four cells, the spike among them.
        var four = Loss(map, [72, 24, 104, 56]);
        Assert.Equal(Math.Log(Math.Exp(3) + 63) - Math.Log(Math.Exp(3) + 3), four, 4);
    }

    [Fact]
    public void Cells_counted_in_the_box_are_the_ones_where_the_pointing_game_finds_the_upsampled_peak()
    {
        // The training term and the evaluation must agree on where a cell's peak lands in the input. (Interior cells:
        // the upsampled map of a border cell is flat out to the image's edge, and the evaluation's argmax takes the edge.)
        foreach (var (row, column) in new[] { (1, 1), (3, 6), (6, 6), (5, 1) })
        {
            using var map = SpikeAt(row, column, 5f);
            var score = Localisation.Score(map[0], Input, Input, [new PixelBox(0, 0, 1, 1)]);
            var pixelBox = new float[] { score.PeakX, score.PeakY, score.PeakX + 1, score.PeakY + 1 };
            Assert.Equal(Math.Log(Math.Exp(5) + 63) - 5, Loss(map, pixelBox), 4);
        }
    }

    [Fact]
    public void Images_without_a_box_add_nothing_and_leave_the_gradient_finite()
    {
        using var boxed = SpikeAt(1, 1, 2f);
        using var unboxed = SpikeAt(4, 4, 7f);
        using var maps = cat([boxed, unboxed]).requires_grad_();
        var boxes = tensor(new float[] { 0, 0, 32, 32, 0, 0, 0, 0 }).view(2, 4);
        using var loss = CamLocalisationLoss.Compute(maps, boxes, Input, Input);
        Assert.Equal(Loss(boxed, [0, 0, 32, 32]), loss.item<float>(), 5);
        loss.backward();
        using var grad = maps.grad!;
        Assert.True(grad.isfinite().all().item<bool>());
        Assert.Equal(0f, grad[1].abs().sum().item<float>());
        Assert.True(grad[0].abs().sum().item<float>() > 0);
    }

    [Fact]
    public void A_batch_with_no_box_at_all_has_zero_loss()
    {
        using var map = SpikeAt(1, 1, 2f);
        Assert.Equal(0f, Loss(map, [5, 5, 5, 5]));
    }

    [Fact]
    public void Flipping_the_input_flips_its_box_and_keeps_a_missing_box_missing()
    {
        using var boxes = tensor(new float[] { 10, 20, 30, 40, 0, 0, 0, 0 }).view(2, 4);
        using var flipped = CamLocalisationLoss.FlipHorizontally(boxes, Input);
        Assert.Equal(new float[] { 98, 20, 118, 40, 0, 0, 0, 0 }, flipped.data<float>().ToArray());
    }
}
