namespace Cam.Engine.Hooks;

/// <summary>
/// Forward hooks that record each target layer's output (the last one, when a layer runs more than once). The hooks
/// are removed on dispose, and also when registering any of them fails.
/// <para>
/// Without a graph, each output is kept as a detached copy. With <c>keepGraph</c>, the output itself is kept, made to
/// require gradients when nothing upstream does (the models' parameters are frozen), and the forward goes on with a
/// copy of it, so that an in-place operation further on can neither change the recorded values nor break the
/// gradients taken with respect to them.
/// </para>
/// </summary>
internal sealed class ActivationRecorder : IDisposable
{
    private readonly List<Action> removers = [];
    private readonly Tensor?[] outputs;
    private readonly IReadOnlyList<string> names;
    private readonly bool keepGraph;

    public ActivationRecorder(IReadOnlyList<(string Name, nn.Module<Tensor, Tensor> Module)> layers, bool keepGraph = false)
    {
        this.keepGraph = keepGraph;
        names = layers.Select(l => l.Name).ToList();
        outputs = new Tensor?[layers.Count];
        try
        {
            for (var i = 0; i < layers.Count; i++)
            {
                var index = i;
                var remover = layers[i].Module.register_forward_hook((_, _, output) => Store(index, output)!);
                removers.Add(remover.remove);
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Records the output; returns what the forward goes on with (null: the output itself).</summary>
    private Tensor? Store(int index, Tensor output)
    {
        outputs[index]?.Dispose();
        if (!keepGraph)
        {
            outputs[index] = output.detach().clone().DetachFromDisposeScope();
            return null;
        }
        if (!output.requires_grad) output.requires_grad_(true);
        outputs[index] = output.alias().DetachFromDisposeScope();
        return output.clone();
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
