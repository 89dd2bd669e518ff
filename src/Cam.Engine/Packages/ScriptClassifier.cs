using Cam.Engine.Layers;
using Cam.Engine.Methods;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Packages;

/// <summary>
/// A TorchScript model whose forward returns <c>(logits, activation_1, …)</c>. Hooks cannot be attached inside a
/// TorchScript graph from C#, so the activations come as extra outputs, named by the package. Outputs declared as
/// token sequences are handed out folded into their patch grid.
/// </summary>
public sealed class ScriptClassifier : IClassifier
{
    private readonly jit.ScriptModule module;
    private readonly IReadOnlyList<string> outputs;
    private readonly int numClasses;
    private readonly IReadOnlyDictionary<string, TokenLayout> tokens;

    private ScriptClassifier(jit.ScriptModule module, IReadOnlyList<string> outputs, IReadOnlyDictionary<string, TokenLayout> tokens, int numClasses,
        Device device, string name)
    {
        this.module = module;
        this.outputs = outputs;
        this.tokens = tokens;
        this.numClasses = numClasses;
        Device = device;
        Name = name;
    }

    /// <param name="tokens">The outputs that are token sequences, with their layout.</param>
    public static ScriptClassifier Load(string path, IReadOnlyList<string> outputs, int numClasses, Device? device = null,
        IReadOnlyDictionary<string, TokenLayout>? tokens = null)
    {
        device ??= CPU;
        jit.ScriptModule module;
        try
        {
            module = jit.load(path, device);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new ModelPackageException($"'{path}' is not a TorchScript file TorchSharp can load: {e.Message.Split('\n')[0]}");
        }
        module.eval();
        return new ScriptClassifier(module, outputs, tokens ?? new Dictionary<string, TokenLayout>(), numClasses, device,
            Path.GetFileNameWithoutExtension(path));
    }

    public string Name { get; }
    public Device Device { get; }
    public IReadOnlyList<string> LayerNames => outputs;

    private Tensor[] Run(Tensor input)
    {
        using var _ = no_grad();
        var result = module.call(input);
        return result switch
        {
            Tensor t => [t],
            System.Runtime.CompilerServices.ITuple tuple => Enumerable.Range(0, tuple.Length).Select(i => (Tensor)tuple[i]!).ToArray(),
            object[] array => array.Cast<Tensor>().ToArray(),
            System.Collections.IEnumerable list => list.Cast<Tensor>().ToArray(),
            _ => throw new InvalidOperationException($"{Name} returned {result?.GetType().Name ?? "nothing"}, not (logits, activations…)"),
        };
    }

    public Tensor Logits(Tensor input)
    {
        var all = Run(input);
        for (var i = 1; i < all.Length; i++) all[i].Dispose();
        return all[0];
    }

    public ForwardPass Forward(Tensor input, IReadOnlyList<string> layers)
    {
        var all = Run(input);
        if (all.Length != outputs.Count + 1)
        {
            foreach (var t in all) t.Dispose();
            throw new InvalidOperationException($"{Name} returned {all.Length} tensors; its package names {outputs.Count} activations after the logits");
        }
        var picked = new List<Tensor>();
        foreach (var layer in layers)
        {
            var index = outputs.ToList().IndexOf(layer);
            if (index < 0)
            {
                foreach (var t in all) t.Dispose();
                throw new ArgumentException($"{Name} has no output '{layer}' (outputs: {string.Join(", ", outputs)})");
            }
            picked.Add(all[index + 1].clone());
        }
        foreach (var t in all.Skip(1)) t.Dispose();
        try
        {
            return new ForwardPass(all[0], TokenFolding.Fold(picked.ToArray(), layers, TokensOf, input.shape));
        }
        catch
        {
            all[0].Dispose();
            throw;
        }
    }

    public TokenLayout? TokensOf(string layer) => tokens.GetValueOrDefault(layer);

    public string LocateCandidateLayer(long[] sampleShape)
    {
        using var scope = NewDisposeScope();
        var all = Run(zeros([1, .. sampleShape], device: Device));
        for (var i = Math.Min(all.Length - 1, outputs.Count); i >= 1; i--)
        {
            long[] shape;
            try
            {
                shape = TokenFolding.Shape(TokensOf(outputs[i - 1]), all[i].shape, sampleShape);
            }
            catch (ArgumentException)
            {
                continue;
            }
            if (shape.Length == sampleShape.Length + 1 && shape.Skip(2).Any(d => d != 1)) return outputs[i - 1];
        }
        throw new InvalidOperationException($"no output of {Name} has a spatial size; name the target layer");
    }

    /// <summary>
    /// The named parameter, else the last (classes, channels) matrix. Refused when an output is a token sequence: a
    /// transformer's head reads the class token (or normalises pooled tokens), not pooled channels through a linear layer.
    /// </summary>
    public (string Name, Tensor Weight) LinearWeights(string? name)
    {
        if (tokens.Count > 0)
            throw new MethodNotApplicableException($"CAM does not apply to {Name}: its outputs {string.Join(", ", tokens.Keys)} are token sequences, and a transformer's head reads the class token, not globally pooled features through a linear layer (use Score-CAM or its variants)");
        var parameters = module.named_parameters().ToList();
        var weight = name is not null
            ? parameters.FirstOrDefault(p => p.name == name + ".weight")
            : parameters.LastOrDefault(p => p.parameter.ndim == 2 && p.parameter.shape[0] == numClasses);
        if (weight.parameter is null) throw new InvalidOperationException($"{Name} has no fully connected layer{(name is null ? "" : $" '{name}'")}");
        return (weight.name[..^".weight".Length], weight.parameter.detach().clone());
    }

    public long ActivationBytesPerSample(long[] sampleShape)
    {
        using var scope = NewDisposeScope();
        var all = Run(zeros([1, .. sampleShape], device: Device));
        // Without hooks, the returned tensors and the input stand in for the peak; doubled as a margin.
        return 2 * all.Sum(t => t.numel() * 4) + 8 * sampleShape.Aggregate(4L, (a, b) => a * b);
    }

    public void Dispose() => module.Dispose();
}
