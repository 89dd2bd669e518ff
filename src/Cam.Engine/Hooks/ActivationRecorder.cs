using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Hooks;

/// <summary>
/// Forward hooks that keep a detached copy of each target layer's output (the last one, when a layer runs
/// more than once). The hooks are removed on dispose, and also when registering any of them fails.
/// </summary>
internal sealed class ActivationRecorder : IDisposable
{
    private readonly List<Action> removers = [];
    private readonly Tensor?[] outputs;
    private readonly IReadOnlyList<string> names;

    public ActivationRecorder(IReadOnlyList<(string Name, nn.Module<Tensor, Tensor> Module)> layers)
    {
        names = layers.Select(l => l.Name).ToList();
        outputs = new Tensor?[layers.Count];
        try
        {
            for (var i = 0; i < layers.Count; i++)
            {
                var index = i;
                var remover = layers[i].Module.register_forward_hook((_, _, output) =>
                {
                    Store(index, output);
                    return null!;
                });
                removers.Add(remover.remove);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void Store(int index, Tensor output)
    {
        outputs[index]?.Dispose();
        outputs[index] = output.detach().clone().DetachFromDisposeScope();
    }

    /// <summary>Hands the recorded activations to the caller, who then owns them.</summary>
    public Tensor[] Take()
    {
        var missing = names.Where((_, i) => outputs[i] is null).ToList();
        if (missing.Count > 0)
            throw new InvalidOperationException($"the forward pass never ran layer(s) {string.Join(", ", missing)}");
        var taken = outputs.Select(t => t!).ToArray();
        Array.Clear(outputs);
        return taken;
    }

    public void Dispose()
    {
        foreach (var remove in removers) remove();
        removers.Clear();
        for (var i = 0; i < outputs.Length; i++)
        {
            outputs[i]?.Dispose();
            outputs[i] = null;
        }
    }
}
