using Cam.Engine.Hooks;
using Cam.Engine.Methods;
using Cam.Engine.Precision;
using Cam.Specs;

namespace Cam.Engine.Models;

/// <summary>A TorchSharp module (one of the built-in architectures, or any <c>Module&lt;Tensor, Tensor&gt;</c>) seen through forward hooks.</summary>
public sealed class ModuleClassifier : IClassifier
{
    private readonly nn.Module<Tensor, Tensor> model;
    private readonly Dictionary<string, nn.Module> modules;
    private readonly ILayerDeclarations? declarations;

    private readonly Func<nn.Module<Tensor, Tensor>>? factory;
    private readonly Dictionary<ForwardPrecision, ModuleClassifier> copies = [];

    /// <param name="factory">Builds a fresh module of the same architecture, for copies at another precision.</param>
    public ModuleClassifier(nn.Module<Tensor, Tensor> model, string name, Device? device = null, Func<nn.Module<Tensor, Tensor>>? factory = null)
        : this(model, name, device, factory, ForwardPrecision.Float32)
    {
    }

    private ModuleClassifier(nn.Module<Tensor, Tensor> model, string name, Device? device, Func<nn.Module<Tensor, Tensor>>? factory,
        ForwardPrecision precision)
    {
        this.factory = factory;
        this.model = model;
        Name = name;
        Device = device ?? CPU;
        if (Device.type != DeviceType.CPU) model.to(Device);
        model.eval();
        // Explaining never trains: frozen parameters keep gradient methods from accumulating .grad or graph state in them.
        foreach (var parameter in model.parameters()) parameter.requires_grad_(false);
        declarations = model as ILayerDeclarations;
        modules = model.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        LayerNames = modules.Keys.ToList();
        if (precision != ForwardPrecision.Float32) PrecisionCast.Module(model, precision);
        Precision = precision;
    }

    /// <summary>Builds a built-in architecture and loads its weights from a safetensors state_dict.</summary>
    public static ModuleClassifier Load(string architecture, int numClasses, string weightsPath, Device? device = null)
    {
        var model = Architectures.Create(architecture, numClasses);
        try
        {
            WeightLoader.Load(model, weightsPath);
            return new ModuleClassifier(model, architecture, device, () => Architectures.Create(architecture, numClasses));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The module itself (the sanity check randomises its weights in place; nothing else should change it).</summary>
    public nn.Module<Tensor, Tensor> Module => model;

    public string Name { get; }
    public Device Device { get; }
    public IReadOnlyList<string> LayerNames { get; }
    public ForwardPrecision Precision { get; }

    public IClassifier AtPrecision(ForwardPrecision precision)
    {
        if (precision == Precision) return this;
        if (copies.TryGetValue(precision, out var copy)) return copy;
        if (factory is null) throw new NotSupportedException($"{Name} was built without a factory, so it cannot be copied to run " +
            $"in {precision.Name}");
        var module = factory();
        try
        {
            using (no_grad()) module.load_state_dict(model.state_dict());
            return copies[precision] = new ModuleClassifier(module, Name, Device, factory, precision);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    public Tensor Logits(Tensor input)
    {
        using var _ = no_grad();
        return Call(input);
    }

    /// <summary>The forward at the model's precision: the input cast to it, the logits back to float32.</summary>
    private Tensor Call(Tensor input)
    {
        if (!Precision.IsReduced && !Precision.ChannelsLast) return model.call(input);
        using var scope = NewDisposeScope();
        return model.call(PrecisionCast.Input(input, Precision)).to(ScalarType.Float32).MoveToOuterDisposeScope();
    }

    public ForwardPass Forward(Tensor input, IReadOnlyList<string> layers)
    {
        using var recorder = new ActivationRecorder(layers.Select(l => (l, Hookable(l))).ToList());
        using var _ = no_grad();
        var logits = Call(input);
        try
        {
            return new ForwardPass(logits, TokenFolding.Fold(recorder.Take(), layers, TokensOf, input.shape));
        }
        catch
        {
            logits.Dispose();
            throw;
        }
    }

    public ForwardPass ForwardWithGraph(Tensor input, IReadOnlyList<string> layers)
    {
        using var recorder = new ActivationRecorder(layers.Select(l => (l, Hookable(l))).ToList(), keepGraph: true);
        using var _ = enable_grad();
        var logits = Call(input);
        try
        {
            // Gradients are taken with respect to the outputs as the layers produced them; token outputs are folded
            // into their grid afterwards, activations and gradients alike (pytorch-grad-cam's reshape_transform).
            return new ForwardPass(logits, recorder.Take(), TokenFolding.Folder(layers, TokensOf, input.shape));
        }
        catch
        {
            logits.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The forward from <paramref name="first"/>'s output on, kept with its graph: <paramref name="activation"/> (that
    /// layer's output from a forward at another precision, (N, C, h, w)) copied to this model's dtype as a leaf requiring
    /// gradients, then the architecture's suffix after the layer (<see cref="ILayerTails"/>) at this model's precision,
    /// the other target layers recorded as they fire in it. The activations come in the order of
    /// <paramref name="layers"/>. Null where the architecture declares no suffix after the layer, a target layer is a
    /// token layer, or another target layer does not fire in the suffix.
    /// </summary>
    public ForwardPass? ForwardWithGraphAfter(string first, Tensor activation, IReadOnlyList<string> layers)
    {
        if (model is not ILayerTails tails || layers.Any(l => TokensOf(l) is not null) || tails.TailAfter(first) is not { } suffix) return null;
        var rest = layers.Where(l => l != first).ToList();
        using var recorder = new ActivationRecorder(rest.Select(l => (l, Hookable(l))).ToList(), keepGraph: true);
        using var _ = enable_grad();
        var leaf = activation.detach().to(Precision.DType, copy: true).requires_grad_(true);
        var logits = suffix(PrecisionCast.Input(leaf, Precision));
        Tensor[] recorded;
        try
        {
            recorded = recorder.Take();
        }
        catch (InvalidOperationException)
        {
            leaf.Dispose();
            logits.Dispose();
            return null;
        }
        if (logits.dtype != ScalarType.Float32) logits = logits.to(ScalarType.Float32);
        return new ForwardPass(logits, layers.Select(l => l == first ? leaf : recorded[rest.IndexOf(l)]).ToList());
    }

    private nn.Module<Tensor, Tensor> Hookable(string layer)
    {
        if (!modules.TryGetValue(layer, out var module))
            throw new ArgumentException($"{Name} has no layer '{layer}' (layers include: " +
                $"{string.Join(", ", modules.Keys.Where(k => !k.Contains('.')))})");
        return module as nn.Module<Tensor, Tensor>
               ?? throw new ArgumentException($"layer '{layer}' of {Name} does not map a tensor to a tensor and cannot be hooked");
    }

    /// <summary>The token layout the architecture declares for a layer; null for (N, C, h, w) outputs.</summary>
    public TokenLayout? TokensOf(string layer) => declarations?.TokensOf(layer);

    /// <summary>The architecture's declared default layer, else the search, token layers counted by their folded shape.</summary>
    public string LocateCandidateLayer(long[] sampleShape)
    {
        if (declarations?.DefaultTargetLayer is { } declared) return declared;
        var shapes = RecordOutputShapes(sampleShape);
        for (var i = shapes.Count - 1; i >= 0; i--)
        {
            var (name, output) = shapes[i];
            long[] shape;
            try
            {
                shape = TokenFolding.Shape(TokensOf(name), output, sampleShape);
            }
            catch (ArgumentException)
            {
                continue;
            }
            if (shape.Length == sampleShape.Length + 1 && shape.Skip(2).Any(d => d != 1)) return name;
        }
        throw new InvalidOperationException($"no layer of {Name} produces a spatial output; name the target layer explicitly");
    }

    /// <summary>
    /// The architecture's own suffix where it declares one (<see cref="ILayerTails"/>); otherwise the whole model run on
    /// the image repeated, the layer's output replaced by a forward hook. Null for token layers.
    /// </summary>
    public LayerTail? TailAfter(string layer)
    {
        var hookable = Hookable(layer);
        if (TokensOf(layer) is not null) return null;
        var tails = model as ILayerTails;
        if (tails?.TailAfter(layer) is { } suffix)
        {
            return new LayerTail
            {
                Kind = LayerTailKind.Suffix,
                Logits = (a, _) => AtOwnPrecision(() => suffix(PrecisionCast.Input(a, Precision))),
                PooledLinear = tails.PooledLinearAfter(layer),
                BytesPerCopy = (activationShape, _) => Bytes(RecordOutputShapes(() =>
                {
                    using var probe = zeros([1, .. activationShape], device: Device);
                    using var _ = no_grad();
                    suffix(PrecisionCast.Input(probe, Precision)).Dispose();
                }, leavesOnly: true)),
            };
        }
        return new LayerTail
        {
            Kind = LayerTailKind.WholeModel,
            Logits = (a, image) =>
            {
                var replacement = PrecisionCast.Input(a, Precision);
                var hook = hookable.register_forward_hook((_, _, _) => replacement.alias());
                try
                {
                    using var repeated = image.expand(a.shape[0], -1, -1, -1).contiguous();
                    return AtOwnPrecision(() => Call(repeated));
                }
                finally
                {
                    hook.remove();
                }
            },
            BytesPerCopy = (_, sampleShape) => ActivationBytesPerSample(sampleShape),
        };
    }

    private long Bytes(IEnumerable<(string Name, long[] Shape)> shapes) =>
        shapes.Sum(s => s.Shape.Aggregate(PrecisionCast.ElementSize(Precision.DType), (a, b) => a * b));

    private Tensor AtOwnPrecision(Func<Tensor> run)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var logits = run();
        return (logits.dtype == ScalarType.Float32 ? logits : logits.to(ScalarType.Float32)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Every 2-D convolution with a bias and every 2-D batch norm, in registration order, with its bias as the layer
    /// adds it in evaluation: a convolution's bias, a batch norm's b − μ·γ/√(σ² + ε) (FullGrad's bias terms).
    /// </summary>
    public IReadOnlyList<(string Name, Tensor Bias)> BiasLayers()
    {
        var layers = new List<(string, Tensor)>();
        using var _ = no_grad();
        foreach (var (name, module) in modules)
        {
            switch (module)
            {
                case Conv2d { bias: { } bias }:
                    layers.Add((name, bias.detach().to(ScalarType.Float32, copy: true)));
                    break;
                case BatchNorm2d { running_mean: { } mean, running_var: { } variance, weight: { } gamma, bias: { } beta } norm:
                    layers.Add((name, FoldedBias(beta, mean, gamma, variance, norm.eps)));
                    break;
            }
        }
        return layers;
    }

    /// <summary>A batch norm's bias in evaluation, b − μ·γ/√(σ² + ε), computed in float32 whatever the parameters' dtype.</summary>
    private static Tensor FoldedBias(Tensor beta, Tensor mean, Tensor gamma, Tensor variance, double eps)
    {
        using var scope = NewDisposeScope();
        Tensor F(Tensor t) => t.detach().to(ScalarType.Float32);
        return (F(beta) - F(mean) * F(gamma) / (F(variance) + eps).sqrt()).MoveToOuterDisposeScope();
    }

    public long ActivationBytesPerSample(long[] sampleShape) =>
        Bytes(RecordOutputShapes(sampleShape, leavesOnly: true));

    /// <summary>The leaf layers in the order a forward pass of zeros runs them (a layer run twice counted where it first runs).</summary>
    public IReadOnlyList<string> LeavesInFiringOrder(long[] sampleShape) =>
        RecordOutputShapes(sampleShape, leavesOnly: true).Select(s => s.Name).Distinct().ToList();

    /// <summary>One forward pass of zeros with a hook on every layer, recording output shapes in firing order.</summary>
    private List<(string Name, long[] Shape)> RecordOutputShapes(long[] sampleShape, bool leavesOnly = false) =>
        RecordOutputShapes(() =>
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            Call(zeros([1, .. sampleShape], device: Device));
        }, leavesOnly);

    /// <summary>The output shapes of every layer (or leaf layer) as <paramref name="run"/> fires them.</summary>
    private List<(string Name, long[] Shape)> RecordOutputShapes(Action run, bool leavesOnly)
    {
        var shapes = new List<(string, long[])>();
        var removers = new List<Action>();
        try
        {
            foreach (var (name, module) in modules)
            {
                if (module is not nn.Module<Tensor, Tensor> hookable) continue;
                if (leavesOnly && module.children().Any()) continue;
                var remover = hookable.register_forward_hook((_, _, output) =>
                {
                    shapes.Add((name, output.shape));
                    return null!;
                });
                removers.Add(remover.remove);
            }
            run();
        }
        finally
        {
            foreach (var remove in removers) remove();
        }
        return shapes;
    }

    /// <summary>
    /// The weights CAM combines channels with: the named linear layer's, else the architecture's declared head (its
    /// rows scaled by a declared norm's gain), else the first linear layer's. Refused when the architecture declares
    /// that CAM does not apply.
    /// </summary>
    public (string Name, Tensor Weight) LinearWeights(string? name)
    {
        var head = declarations?.CamHead;
        if (head?.NotApplicable is { } reason) throw new MethodNotApplicableException($"CAM does not apply to {Name}: {reason}");
        name ??= head?.Linear;
        name ??= modules.FirstOrDefault(m => m.Value is Linear).Key
                 ?? throw new InvalidOperationException($"{Name} has no fully connected layer; name one with --fc-layer");
        if (!modules.TryGetValue(name, out var module))
            throw new ArgumentException($"{Name} has no layer '{name}'");
        var weight = module.named_parameters(recurse: false).FirstOrDefault(p => p.name == "weight").parameter
                     ?? throw new ArgumentException($"layer '{name}' of {Name} has no weight");
        // A 1×1 convolution standing in for the fully connected layer has weights (classes, channels, 1, 1).
        var matrix = weight.ndim > 2 ? weight.detach().view(weight.shape[0], weight.shape[1]) : weight.detach();
        if (head?.Gain is { } gainLayer && name == head.Linear)
        {
            var gain = modules[gainLayer].named_parameters(recurse: false).First(p => p.name == "weight").parameter;
            return (name, matrix * gain.detach().unsqueeze(0));
        }
        return (name, matrix.clone());
    }

    public void Dispose()
    {
        foreach (var copy in copies.Values) copy.Dispose();
        copies.Clear();
        model.Dispose();
    }
}
