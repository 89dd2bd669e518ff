using Cam.Datasets;
using Cam.Engine.Packages;
using Cam.Specs;
using Cam.Worker.Telemetry;
using TorchSharp;

namespace Cam.Worker;

/// <summary>
/// Loaded model packages, kept between shards. Each concurrent shard rents its own instance (hooks are per
/// instance), so N concurrent shards on one model hold at most N copies. At most
/// <see cref="WorkerSettings.ModelCacheSize"/> packages stay loaded: beyond that, the idle instances of the least
/// recently used packages (rented or returned) are disposed, which frees their tensors for the device's allocator.
/// An instance in use is never disposed, so while more packages than that are in use at once, all stay loaded.
/// </summary>
public sealed class ModelCache(WorkerSettings settings, ILogger<ModelCache> logger) : IDisposable
{
    private readonly object gate = new();
    private readonly Dictionary<string, Package> packages = new(StringComparer.Ordinal);
    private readonly torch.Device device = new(settings.Device);
    private long uses;

    /// <summary>The packages (full paths) with an instance loaded, idle or rented.</summary>
    public IReadOnlyCollection<string> Loaded
    {
        get
        {
            lock (gate) return packages.Keys.ToList();
        }
    }

    /// <summary>Rents the package at <paramref name="package"/> (relative to the model root; it may not escape it, symbolic links
    /// included).</summary>
    public Lease Rent(string package)
    {
        var directory = Resolve(package);
        ModelPackage? model;
        lock (gate)
        {
            var entry = Touch(directory);
            entry.Rented++;
            entry.Idle.TryPop(out model);
        }
        (model is null ? WorkerTelemetry.ModelCacheMisses : WorkerTelemetry.ModelCacheHits).Add(1);
        if (model is null)
        {
            try
            {
                model = ModelPackage.Load(directory, device);
            }
            catch
            {
                lock (gate)
                {
                    packages[directory].Rented--;
                    if (packages[directory] is { Rented: 0, Idle.Count: 0 }) packages.Remove(directory);
                }
                throw;
            }
        }
        DisposeEvicted();
        return new Lease(this, directory, model);
    }

    private void Return(string directory, ModelPackage model)
    {
        lock (gate)
        {
            var entry = Touch(directory);
            entry.Rented--;
            entry.Idle.Push(model);
        }
        DisposeEvicted();
    }

    private Package Touch(string directory)
    {
        if (!packages.TryGetValue(directory, out var entry)) packages[directory] = entry = new Package();
        entry.LastUse = ++uses;
        return entry;
    }

    /// <summary>Disposes the idle instances of every package beyond the most recently used; forgets packages left with none.</summary>
    private void DisposeEvicted()
    {
        var evicted = new List<(string Directory, ModelPackage Model)>();
        lock (gate)
        {
            foreach (var (directory, entry) in packages.OrderByDescending(p => p.Value.LastUse).Skip(settings.ModelCacheSize).ToList())
            {
                while (entry.Idle.TryPop(out var model)) evicted.Add((directory, model));
                if (entry.Rented == 0) packages.Remove(directory);
            }
        }
        foreach (var (directory, model) in evicted)
        {
            logger.LogInformation("model package {Package} evicted from the cache (more than {Size} packages in use)", directory,
                settings.ModelCacheSize);
            model.Dispose();
            WorkerTelemetry.ModelCacheEvictions.Add(1);
        }
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
        lock (gate)
        {
            foreach (var entry in packages.Values)
                while (entry.Idle.TryPop(out var model)) model.Dispose();
            packages.Clear();
        }
    }

    private sealed class Package
    {
        public Stack<ModelPackage> Idle { get; } = new();
        public int Rented { get; set; }
        public long LastUse { get; set; }
    }

    public sealed class Lease(ModelCache cache, string directory, ModelPackage model) : IDisposable
    {
        public ModelPackage Model { get; } = model;
        public void Dispose() => cache.Return(directory, Model);
    }
}
