using Cam.Engine.Packages;
using Cam.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace Cam.Jobs.Tests;

public class ModelCacheTests
{
    private static DemoWorkspace WorkspaceWithPackages(params string[] names)
    {
        var workspace = new DemoWorkspace(images: 1, withBadItems: false);
        foreach (var name in names)
        {
            var folder = Directory.CreateDirectory(Path.Combine(workspace.ModelRoot, name)).FullName;
            foreach (var file in Directory.EnumerateFiles(Path.Combine(workspace.ModelRoot, "shapes-model")))
                File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
        }
        return workspace;
    }

    private static ModelPackage Use(ModelCache cache, string package)
    {
        using var lease = cache.Rent(package);
        return lease.Model;
    }

    private static bool Works(ModelPackage model)
    {
        try
        {
            using var input = zeros(1, 3, 32, 32);
            using var logits = model.Classifier.Logits(input);
            return logits.shape[1] == 5;
        }
        catch (Exception)
        {
            return false;
        }
    }

    private static string[] Loaded(ModelCache cache) => cache.Loaded.Select(Path.GetFileName).Order().ToArray()!;

    [Fact]
    public void Packages_beyond_the_cache_size_are_evicted_least_recently_used_first_and_their_models_disposed()
    {
        using var workspace = WorkspaceWithPackages("a", "b", "c");
        using var cache = new ModelCache(new WorkerSettings { ModelRoot = workspace.ModelRoot, ModelCacheSize = 2 }, NullLogger<ModelCache>.Instance);

        var a = Use(cache, "a");
        var b = Use(cache, "b");
        Assert.Same(a, Use(cache, "a"));
        var c = Use(cache, "c");

        Assert.Equal(["a", "c"], Loaded(cache));
        Assert.False(Works(b));
        Assert.True(Works(a) && Works(c));
        var again = Use(cache, "b");
        Assert.NotSame(b, again);
        Assert.True(Works(again));
        Assert.Equal(["b", "c"], Loaded(cache));
        Assert.False(Works(a));
    }

    [Fact]
    public void Packages_in_use_at_once_stay_loaded_beyond_the_cache_size_until_they_are_returned()
    {
        using var workspace = WorkspaceWithPackages("a", "b", "c");
        using var cache = new ModelCache(new WorkerSettings { ModelRoot = workspace.ModelRoot, ModelCacheSize = 2 }, NullLogger<ModelCache>.Instance);

        var a = cache.Rent("a");
        var b = cache.Rent("b");
        var c = cache.Rent("c");
        Assert.Equal(["a", "b", "c"], Loaded(cache));
        Assert.True(Works(a.Model) && Works(b.Model) && Works(c.Model));

        a.Dispose();
        c.Dispose();
        b.Dispose();
        Assert.Equal(["b", "c"], Loaded(cache));
        Assert.False(Works(a.Model));
        Assert.True(Works(b.Model) && Works(c.Model));
    }
}
