using Cam.Engine.Chunking;
using Cam.Engine.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>
/// The Score-CAM family's properties that hold at any size, on <see cref="SmallNet"/> (32 channels at <c>features</c>,
/// 4×4 on 64×64 inputs): chunking, out-of-memory retries, shared masked forwards, class selection, seeding, layers.
/// </summary>
public class ScoreCamFamilyTests
{
    private static Tensor Input() => SmallNet.Input();

    private static Explanation Explain(CamMethod method, Tensor input, ClassSelection classes,
        ExplainerOptions? options = null, string[]? layers = null)
    {
        using var model = SmallNet.Create();
        return new CamExplainer(model, method, layers ?? [SmallNet.Last], options).Explain(input, classes);
    }

    [Fact]
    public void Results_do_not_depend_on_the_chunk_size()
    {
        using var input = Input();
        var classes = ClassSelection.OnePerImage([3, 9]);
        using var one = Explain(new ScoreCam(), input, classes, new ExplainerOptions { ChunkSize = 1 });
        using var odd = Explain(new ScoreCam(), input, classes, new ExplainerOptions { ChunkSize = 7 });
        using var all = Explain(new ScoreCam(), input, classes, new ExplainerOptions { ChunkSize = 1024 });
        Assert.Equal(7, odd.Stats.ChunkSize);
        Tolerance.Absolute(all.Maps[0], one.Maps[0], 1e-5, "chunk 1 vs 1024");
        Tolerance.Absolute(all.Maps[0], odd.Maps[0], 1e-5, "chunk 7 vs 1024");
    }

    [Fact]
    public void Out_of_memory_halves_the_chunk_and_loses_nothing()
    {
        using var input = Input();
        var classes = ClassSelection.OnePerImage([3, 9]);
        using var expected = Explain(new ScoreCam(), input, classes, new ExplainerOptions { ChunkSize = 64 });
        using var inner = SmallNet.Create();
        using var model = new FailingClassifier(inner, maxBatch: 4);
        using var actual = new CamExplainer(model, new ScoreCam(), [SmallNet.Last], new ExplainerOptions { ChunkSize = 64 })
            .Explain(input, classes);
        Assert.True(actual.Stats.OutOfMemoryRetries >= 3, $"{actual.Stats.OutOfMemoryRetries} retries");
        Assert.True(actual.Stats.ChunkSize <= 4);
        Assert.Equal(expected.Stats.MaskedForwards, actual.Stats.MaskedForwards);
        Tolerance.Absolute(expected.Maps[0], actual.Maps[0], 1e-5, "after out-of-memory retries");
    }

    [Fact]
    public void Identical_masks_are_forwarded_once_with_unchanged_results()
    {
        using var input = Input();
        var classes = ClassSelection.ForBatch(3);
        using var shared = Explain(new ScoreCam(), input, classes);
        using var separate = Explain(new ScoreCam(), input, classes, new ExplainerOptions { ShareIdenticalMasks = false });
        Assert.Equal(2 * SmallNet.LastChannels, separate.Stats.MaskedForwards);
        Assert.Equal(separate.Stats.MaskedForwards, shared.Stats.MaskedForwards + shared.Stats.ForwardsSaved);
        Assert.True(shared.Stats.ForwardsSaved > 0, "the small net's features has all-zero channels for these inputs");
        Tolerance.Absolute(separate.Maps[0], shared.Maps[0], 1e-5, "shared vs separate forwards");
    }

    [Fact]
    public void Several_classes_share_one_set_of_masked_forwards()
    {
        using var input = Input();
        using var many = Explain(new ScoreCam(), input, ClassSelection.PerImage([[3, 9, 0], [9, 1, 2]]));
        using var single = Explain(new ScoreCam(), input, ClassSelection.OnePerImage([9, 1]));
        Assert.Equal([2L, 3, 4, 4], many.Maps[0].shape);
        Assert.Equal(single.Stats.MaskedForwards, many.Stats.MaskedForwards);
        Tolerance.Absolute(single.Maps[0].select(1, 0)[1], many.Maps[0][1, 1], 1e-5, "image 1, class 1");
        Tolerance.Absolute(single.Maps[0].select(1, 0)[0], many.Maps[0][0, 1], 1e-5, "image 0, class 9");
    }

    [Fact]
    public void Top_k_explains_the_highest_scoring_classes_in_order()
    {
        using var input = Input();
        using var top = Explain(new ScoreCam(), input, ClassSelection.Top(2));
        using var order = top.Logits.argsort(1, descending: true);
        Assert.Equal(order[0, 0].item<long>(), top.Classes[0, 0]);
        Assert.Equal(order[1, 1].item<long>(), top.Classes[1, 1]);
    }

    [Fact]
    public void Smooth_ScoreCam_is_deterministic_under_a_seed()
    {
        using var input = Input();
        var classes = ClassSelection.OnePerImage([3, 9]);
        using var a = Explain(new SmoothScoreCam(numSamples: 2, std: 2f, seed: 7), input, classes, new ExplainerOptions { ChunkSize = 50 });
        using var b = Explain(new SmoothScoreCam(numSamples: 2, std: 2f, seed: 7), input, classes, new ExplainerOptions { ChunkSize = 33 });
        using var c = Explain(new SmoothScoreCam(numSamples: 2, std: 2f, seed: 8), input, classes, new ExplainerOptions { ChunkSize = 50 });
        Assert.Equal([2L, 1, 4, 4], a.Maps[0].shape);
        Tolerance.Absolute(a.Maps[0], b.Maps[0], 1e-5, "same seed, other chunk size");
        var differs = (a.Maps[0] - c.Maps[0]).abs().max().item<float>();
        Assert.True(differs > 1e-3, $"another seed changed the maps by only {differs}");
    }

    [Fact]
    public void Smooth_ScoreCam_without_noise_equals_ScoreCam()
    {
        using var input = Input();
        var classes = ClassSelection.OnePerImage([3, 9]);
        using var smooth = Explain(new SmoothScoreCam(numSamples: 3, std: 0f), input, classes);
        using var score = Explain(new ScoreCam(), input, classes);
        Tolerance.Absolute(score.Maps[0], smooth.Maps[0], 1e-5, "SS-CAM std 0 vs Score-CAM");
    }

    [Fact]
    public void Several_layers_of_different_widths_are_weighted_separately()
    {
        using var input = Input();
        // features.10 is 16 channels at 8×8, features 32 at 4×4.
        using var both = Explain(new IntegratedScoreCam(2), input, ClassSelection.ForBatch(1), layers: [SmallNet.Middle, SmallNet.Last]);
        Assert.Equal([2L, 1, 8, 8], both.Maps[0].shape);
        Assert.Equal([2L, 1, 4, 4], both.Maps[1].shape);
        Assert.Equal([2L, 1, 8, 8], both.Fused!.shape);
        using var alone = Explain(new IntegratedScoreCam(2), input, ClassSelection.ForBatch(1), layers: [SmallNet.Middle]);
        Tolerance.Absolute(alone.Maps[0], both.Maps[0], 1e-5, "features.10 alone vs with features");
        using var last = Explain(new IntegratedScoreCam(2), input, ClassSelection.ForBatch(1));
        Tolerance.Absolute(last.Maps[0], both.Maps[1], 1e-5, "features alone vs with features.10");
    }

    [Fact]
    public void Non_square_inputs_give_maps_at_the_layer_resolution()
    {
        torch.manual_seed(3);
        using var input = torch.randn(1, 3, 64, 96);
        using var result = Explain(new ScoreCam(), input, ClassSelection.ForBatch(0), new ExplainerOptions { ChunkSize = 100 });
        Assert.Equal([1L, 1, 4, 6], result.Maps[0].shape);
        Assert.InRange(result.Maps[0].max().item<float>(), 0.99f, 1.0f);
        Assert.Equal(0f, result.Maps[0].min().item<float>());
    }

    [Fact]
    public void Memory_budget_sizes_the_chunk()
    {
        using var model = SmallNet.Create();
        var perSample = model.ActivationBytesPerSample([3, 64, 64]) + 3 * 3 * 64 * 64 * 4;
        var planner = new MaskChunkPlanner(new MemoryBudget(perSample * 5 + 1));
        Assert.Equal(5, planner.Plan(model, [3, 64, 64]));
        Assert.Equal(1, new MaskChunkPlanner(new MemoryBudget(1)).Plan(model, [3, 64, 64]));
        Assert.Equal(9, new MaskChunkPlanner(new MemoryBudget(1), fixedChunkSize: 9).Plan(model, [3, 64, 64]));
    }

    /// <summary>Throws the error libtorch raises when a forward does not fit, for batches above a size.</summary>
    private sealed class FailingClassifier(IClassifier inner, int maxBatch) : DelegatingClassifier(inner)
    {
        public override Tensor Logits(Tensor input) => input.shape[0] > maxBatch
            ? throw new System.Runtime.InteropServices.ExternalException("CUDA out of memory. Tried to allocate 2.00 GiB")
            : base.Logits(input);
    }

    [Fact]
    public void A_cancelled_explanation_stops_at_the_next_chunk_of_masked_forwards()
    {
        using var input = Input();
        using var small = SmallNet.Create();
        using var cancellation = new CancellationTokenSource();
        // Cancelled from inside the third chunk's forward, as a job's cancellation arrives while a worker computes.
        using var model = new CountingClassifier(small, afterCalls: 3, cancellation);
        var explainer = new CamExplainer(model, new ScoreCam(), [SmallNet.Last], new ExplainerOptions { ChunkSize = 8 });
        Assert.ThrowsAny<OperationCanceledException>(() => explainer.Explain(input, ClassSelection.Top(1), cancellation: cancellation.Token));
        // 2 images × 32 channels: 8 chunks of 8 would follow (fewer where masks are shared); it stopped at the fourth.
        Assert.Equal(3, model.MaskedChunks);
    }

    private sealed class CountingClassifier(IClassifier inner, int afterCalls, CancellationTokenSource cancellation) : DelegatingClassifier(inner)
    {
        public int MaskedChunks { get; private set; }

        public override Tensor Logits(Tensor input)
        {
            if (++MaskedChunks == afterCalls) cancellation.Cancel();
            return base.Logits(input);
        }
    }
}
