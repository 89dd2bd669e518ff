using System.Collections.Concurrent;
using Cam.Datasets;
using Cam.Engine.Packages;
using TorchSharp;

namespace Cam.Worker;

/// <summary>
/// Loaded model packages, kept between shards. Each concurrent shard rents its own instance (hooks are per
/// instance), so N concurrent shards on one model hold at most N copies.
/// </summary>
public sealed class ModelCache(WorkerSettings settings) : IDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentBag<ModelPackage>> idle = new(StringComparer.Ordinal);
    private readonly torch.Device device = new(settings.Device);

    /// <summary>Rents the package at <paramref name="package"/> (relative to the model root; it may not escape it, symbolic links included).</summary>
    public Lease Rent(string package)
    {
        var directory = Resolve(package);
        var bag = idle.GetOrAdd(directory, _ => []);
        var model = bag.TryTake(out var cached) ? cached : ModelPackage.Load(directory, device);
        return new Lease(this, directory, model);
    }

    private string Resolve(string package)
    {
        try
        {
            return ModelPackagePaths.Folder(settings.ModelRoot, package);
        }
        catch (UnsafePathException e)
        {
            throw new ModelPackageException($"model package '{package}': {e.Message}");
        }
    }

    public void Dispose()
    {
        foreach (var bag in idle.Values)
        foreach (var model in bag) model.Dispose();
        idle.Clear();
    }

    public sealed class Lease(ModelCache cache, string directory, ModelPackage model) : IDisposable
    {
        public ModelPackage Model { get; } = model;
        public void Dispose() => cache.idle.GetOrAdd(directory, _ => []).Add(Model);
    }
}
