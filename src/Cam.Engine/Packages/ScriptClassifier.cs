using Cam.Engine.Layers;
using Cam.Engine.Methods;
using Cam.Engine.Precision;
using Cam.Specs;
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
    private readonly string path;
    private readonly Dictionary<ForwardPrecision, ScriptClassifier> copies = [];

    private ScriptClassifier(jit.ScriptModule module, IReadOnlyList<string> outputs, IReadOnlyDictionary<string, TokenLayout> tokens, int numClasses,
        Device device, string path, ForwardPrecision precision)
    {
        this.module = module;
        this.outputs = outputs;
        this.tokens = tokens;
        this.numClasses = numClasses;
        this.path = path;
        Device = device;
        Name = Path.GetFileNameWithoutExtension(path);
        Precision = precision;
    }

    /// <param name="tokens">The outputs that are token sequences, with their layout.</param>
    public static ScriptClassifier Load(string path, IReadOnlyList<string> outputs, int numClasses, Device? device = null,
        IReadOnlyDictionary<string, TokenLayout>? tokens = null) =>
        Load(path, outputs, numClasses, device, tokens ?? new Dictionary<string, TokenLayout>(), ForwardPrecision.Float32);

    private static ScriptClassifier Load(string path, IReadOnlyList<string> outputs, int numClasses, Device? device,
        IReadOnlyDictionary<string, TokenLayout> tokens, ForwardPrecision precision)
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
        if (precision != ForwardPrecision.Float32)
            using (no_grad()) module.to(precision.DType);
        foreach (var parameter in module.parameters()) parameter.requires_grad_(false);
        return new ScriptClassifier(module, outputs, tokens, numClasses, device, path, precision);
    }

    /// <summary>The scripted module itself (the sanity check randomises its weights in place; nothing else should change it).</summary>
    public jit.ScriptModule Module => module;

    public string Name { get; }
    public Device Device { get; }
    public IReadOnlyList<string> LayerNames => outputs;
    public ForwardPrecision Precision { get; }

    /// <summary>A copy loaded again from the file with its parameters and buffers cast (the convolutions' weight layout is left as it is).</summary>
    public IClassifier AtPrecision(ForwardPrecision precision)
    {
        if (precision == Precision) return this;
        if (!copies.TryGetValue(precision, out var copy)) copies[precision] = copy = Load(path, outputs, numClasses, Device, tokens, precision);
        return copy;
    }

    private Tensor[] Run(Tensor input, bool keepGraph = false)
    {
        using var _ = enable_grad(keepGraph);
        var result = module.call(PrecisionCast.Input(input, Precision));
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
        return Float32(all[0]);
    }

    private static Tensor Float32(Tensor logits)
    {
        if (logits.dtype == ScalarType.Float32) return logits;
        using (logits) return logits.to(ScalarType.Float32);
    }

    public ForwardPass Forward(Tensor input, IReadOnlyList<string> layers) => Forward(input, layers, keepGraph: false);

    /// <summary>
    /// Without hooks inside a TorchScript graph, the graph from the activations to the logits is kept by making the
    /// input require gradients; gradients are then taken with respect to the returned activations only.
    /// </summary>
    public ForwardPass ForwardWithGraph(Tensor input, IReadOnlyList<string> layers)
    {
        using var leaf = input.detach().requires_grad_(true);
        return Forward(leaf, layers, keepGraph: true);
    }

    private ForwardPass Forward(Tensor input, IReadOnlyList<string> layers, bool keepGraph)
    {
        var all = Run(input, keepGraph);
        if (all.Length != outputs.Count + 1)
        {
            foreach (var t in all) t.Dispose();
            throw new InvalidOperationException($"{Name} returned {all.Length} tensors; its package names {outputs.Count} activations after the " +
                $"logits");
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
            picked.Add(keepGraph ? all[index + 1].alias() : all[index + 1].clone());
        }
        foreach (var t in all.Skip(1)) t.Dispose();
        var logits = Float32(all[0]);
        if (keepGraph)
        {
            // Gradients are taken with respect to the outputs as the model returned them; token outputs are folded
            // into their grid afterwards, activations and gradients alike.
            return new ForwardPass(logits, picked, TokenFolding.Folder(layers, TokensOf, input.shape));
        }
        try
        {
            return new ForwardPass(logits, TokenFolding.Fold(picked.ToArray(), layers, TokensOf, input.shape));
        }
        catch
        {
            logits.Dispose();
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
            throw new MethodNotApplicableException($"CAM does not apply to {Name}: its outputs {string.Join(", ", tokens.Keys)} are token " +
                $"sequences, and a transformer's head reads the class token, not globally pooled features through a linear layer (use Score-CAM " +
                    $"or its variants)");
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
        return 2 * all.Sum(t => t.numel() * t.ElementSize) + 8 * sampleShape.Aggregate(4L, (a, b) => a * b);
    }

    public void Dispose()
    {
        foreach (var copy in copies.Values) copy.Dispose();
        copies.Clear();
        module.Dispose();
    }
}
