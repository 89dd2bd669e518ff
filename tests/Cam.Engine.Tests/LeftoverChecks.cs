using Cam.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

/// <summary>What an explanation must leave behind in a fixture ResNet-18: no hook, nothing that changes a plain forward.</summary>
internal static class LeftoverChecks
{
    /// <summary>The classifier's module, for checks that look inside it.</summary>
    public static nn.Module<Tensor, Tensor> ModuleOf(ModuleClassifier model) => (nn.Module<Tensor, Tensor>)typeof(ModuleClassifier)
        .GetField("model", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
        .GetValue(model)!;

    /// <summary>
    /// A probe hook on layer4 fires exactly once in a plain forward (no hook of ours is left to fire, and the
    /// logits carry no graph), and those logits equal a fresh model's.
    /// </summary>
    public static void AssertNoHookLeftAndFreshLogits(ModuleClassifier model, Tensor input)
    {
        var fired = 0;
        var probe = ((nn.Module<Tensor, Tensor>)ModuleOf(model).named_modules().First(m => m.name == "layer4").module)
            .register_forward_hook((_, _, _) => { fired++; return null!; });
        using (var logits = model.Logits(input)) Assert.False(logits.requires_grad);
        probe.remove();
        Assert.Equal(1, fired);
        using var fresh = Fixtures.ResNet18();
        using var a = model.Logits(input);
        using var b = fresh.Logits(input);
        Assert.True(a.allclose(b));
    }
}
