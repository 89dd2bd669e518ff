using System.Runtime.InteropServices;
using Cam.Engine.Methods;
using Cam.Engine.Precision;
using Cam.Specs;

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
    private readonly IReadOnlyDictionary<string, string> forwardWith;
    private readonly string path;
    private readonly Dictionary<ForwardPrecision, ScriptClassifier> copies = [];

    private ScriptClassifier(jit.ScriptModule module, IReadOnlyList<string> outputs,
        IReadOnlyDictionary<string, TokenLayout> tokens, int numClasses, Device device, string path,
        ForwardPrecision precision, IReadOnlyDictionary<string, string> forwardWith)
    {
        this.module = module;
        this.outputs = outputs;
        this.tokens = tokens;
        this.forwardWith = forwardWith;
        this.numClasses = numClasses;
        this.path = path;
        Device = device;
        Name = Path.GetFileNameWithoutExtension(path);
        Precision = precision;
    }

    /// <param name="tokens">The outputs that are token sequences, with their layout.</param>
    /// <param name="forwardWith">Per output, the exported method (x, activation) → logits that replaces it.</param>
    public static ScriptClassifier Load(string path, IReadOnlyList<string> outputs, int numClasses, Device? device = null,
        IReadOnlyDictionary<string, TokenLayout>? tokens = null,
        IReadOnlyDictionary<string, string>? forwardWith = null) =>
        Load(path, outputs, numClasses, device, tokens ?? new Dictionary<string, TokenLayout>(),
            ForwardPrecision.Float32, forwardWith ?? new Dictionary<string, string>());

    private static ScriptClassifier Load(string path, IReadOnlyList<string> outputs, int numClasses, Device? device,
        IReadOnlyDictionary<string, TokenLayout> tokens, ForwardPrecision precision,
        IReadOnlyDictionary<string, string> forwardWith)
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
        return new ScriptClassifier(module, outputs, tokens, numClasses, device, path, precision, forwardWith);
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
        if (!copies.TryGetValue(precision, out var copy))
            copies[precision] = copy = Load(path, outputs, numClasses, Device, tokens, precision, forwardWith);
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

    /// <summary>
    /// For an output the package gives a <c>forwardWith</c> method: the whole model run on the image repeated, that
    /// output replaced by the copies (the method computes whatever it needs of the graph). Null for other outputs.
    /// </summary>
    public LayerTail? TailAfter(string layer)
    {
        if (!forwardWith.TryGetValue(layer, out var method)) return null;
        return new LayerTail
        {
            Kind = LayerTailKind.WholeModel,
            Logits = (a, image) =>
            {
                using var _ = no_grad();
                using var scope = NewDisposeScope();
                var repeated = image.expand(a.shape[0], -1, -1, -1).contiguous();
                return Float32(ForwardWith(layer, method, repeated, a)).MoveToOuterDisposeScope();
            },
            BytesPerCopy = (_, sampleShape) => ActivationBytesPerSample(sampleShape),
        };
    }

    /// <summary>The logits of <paramref name="input"/> with output <paramref name="layer"/> replaced by
    /// <paramref name="activation"/>.</summary>
    private Tensor ForwardWith(string layer, string method, Tensor input, Tensor activation)
    {
        object result;
        try
        {
            result = module.invoke(method, PrecisionCast.Input(input, Precision),
                PrecisionCast.Input(activation, Precision));
        }
        catch (Exception e) when (e is ExternalException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"{Name}: method '{method}' (forwardWith of output '{layer}') failed: {e.Message.Split('\n')[0]}");
        }
        var logits = result switch
        {
            Tensor t => t,
            System.Runtime.CompilerServices.ITuple { Length: > 0 } tuple when tuple[0] is Tensor first => first,
            object[] { Length: > 0 } array when array[0] is Tensor first => first,
            _ => throw new InvalidOperationException(
                $"{Name}: method '{method}' returned {result?.GetType().Name ?? "nothing"}, not logits"),
        };
        if (logits.ndim != 2 || logits.shape[0] != input.shape[0] || logits.shape[1] != numClasses)
            throw new InvalidOperationException($"{Name}: method '{method}' returned " +
                $"({string.Join(", ", logits.shape)}), not ({input.shape[0]}, {numClasses}) logits");
        return logits;
    }

    /// <summary>
    /// Checks each <c>forwardWith</c> method on <paramref name="probe"/>: given the output's own value, it must give
    /// the model's logits back (within 1e-4 of their range). Null, or what is wrong.
    /// </summary>
    public string? ForwardWithProblem(Tensor probe)
    {
        if (forwardWith.Count == 0) return null;
        using var scope = NewDisposeScope();
        var layers = forwardWith.Keys.ToList();
        using var pass = Forward(probe, layers);
        for (var i = 0; i < layers.Count; i++)
        {
            Tensor logits;
            try
            {
                using var _ = no_grad();
                logits = Float32(ForwardWith(layers[i], forwardWith[layers[i]], probe, pass.Activations[i]));
            }
            catch (InvalidOperationException e)
            {
                return e.Message;
            }
            var range = Math.Max(pass.Logits.abs().max().item<float>(), 1e-6f);
            var error = (logits - pass.Logits).abs().max().item<float>() / range;
            if (!(error <= 1e-4))
                return $"{Name}: method '{forwardWith[layers[i]]}' given output '{layers[i]}''s own value does not " +
                       $"give the model's logits (they differ by {error:E2} of their range)";
        }
        return null;
    }

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
