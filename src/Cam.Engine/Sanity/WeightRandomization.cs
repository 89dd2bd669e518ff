using Cam.Engine.Models;
using Cam.Engine.Packages;

namespace Cam.Engine.Sanity;

/// <summary>
/// Destroys what a model learned, layer by layer from the head down, as Adebayo et al.'s cascading randomisation
/// ("Sanity Checks for Saliency Maps", 2018): each layer's parameters are replaced in place by Gaussian noise with
/// the mean and standard deviation the layer's values had (1 where they were constant), from a seeded generator.
/// </summary>
public static class WeightRandomization
{
    /// <summary>The module under a classifier, for the built-in architectures and TorchScript packages.</summary>
    public static nn.Module ModuleOf(IClassifier classifier) => classifier switch
    {
        ModuleClassifier m => m.Module,
        ScriptClassifier s => s.Module,
        _ => throw new NotSupportedException($"cannot randomise the weights of a {classifier.GetType().Name}"),
    };

    /// <summary>
    /// The layers that hold parameters of their own, from the head down: the reverse of the order a forward pass runs
    /// them for a built-in architecture, the reverse of their definition order for a TorchScript package (whose
    /// modules cannot be hooked).
    /// </summary>
    public static IReadOnlyList<string> LayersFromHead(IClassifier classifier, long[] sampleShape)
    {
        var module = ModuleOf(classifier);
        var parameterised = module.named_modules().Where(m => m.name.Length > 0 && m.module.named_parameters(recurse: false).Any())
            .Select(m => m.name).ToList();
        var order = classifier is ModuleClassifier hooked
            ? hooked.LeavesInFiringOrder(sampleShape).Where(parameterised.Contains).ToList()
            : parameterised;
        return Enumerable.Reverse(order).ToList();
    }

    /// <summary>Replaces the parameters of <paramref name="layer"/> (not of its children) with noise.</summary>
    public static void Randomize(nn.Module module, string layer, ulong seed)
    {
        var target = module.named_modules().FirstOrDefault(m => m.name == layer).module
                     ?? throw new ArgumentException($"no layer '{layer}' in the model");
        using var noGrad = no_grad();
        using var generator = new Generator(seed, CPU);
        foreach (var (_, parameter) in target.named_parameters(recurse: false))
        {
            using var scope = NewDisposeScope();
            var values = parameter.detach().to(float32);
            var mean = values.mean().item<float>();
            var std = values.numel() > 1 ? values.std().item<float>() : 0f;
            var noise = randn(parameter.shape, dtype: float32, device: CPU, generator: generator) * (std > 0 ? std : 1f) + mean;
            parameter.copy_(noise.to(parameter.dtype, parameter.device));
        }
    }
}
