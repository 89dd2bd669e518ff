using SkiaSharp;

namespace Cam.Datasets.Tests;

/// <summary>Paths resolve with every symbolic link followed, iteratively and within a global hop limit, and must stay under their root.</summary>
public class SymbolicLinkTests
{
    private static void Link(TempFolder root, string relative, string target) =>
        File.CreateSymbolicLink(Path.Combine(root.Path, relative), target);

    [Theory]
    [InlineData("images/loop.png")]
    [InlineData("images/a.png")]
    [InlineData("images/self/x.png")]
    [InlineData("deep")]
    public void A_symbolic_link_loop_is_a_path_error_not_a_stack_overflow(string path)
    {
        using var root = new TempFolder();
        root.Image("images/ok.png", 2, 2, SKColors.Red);
        Link(root, "images/loop.png", "loop.png");
        Link(root, "images/a.png", "b.png");
        Link(root, "images/b.png", Path.Combine(root.Path, "images", "a.png"));
        Directory.CreateSymbolicLink(Path.Combine(root.Path, "images", "self"), "self");
        Directory.CreateSymbolicLink(Path.Combine(root.Path, "images", "up"), "..");

        if (path == "deep") path = string.Concat(Enumerable.Repeat("images/up/", 41)) + "images/ok.png"; // 41 hops, as Linux refuses after 40

        var error = Assert.Throws<UnsafePathException>(() => new DataRoot(root.Path).Resolve("", path));
        Assert.Contains("symbolic links", error.Message);
    }

    [Fact]
    public void A_chain_of_links_within_the_hop_limit_resolves_and_a_longer_one_is_refused()
    {
        using var root = new TempFolder();
        var target = root.Image("images/ok.png", 2, 2, SKColors.Red);
        Link(root, "images/l0.png", "ok.png");
        for (var i = 1; i < 45; i++) Link(root, $"images/l{i}.png", $"l{i - 1}.png");
        var dataRoot = new DataRoot(root.Path);
        Assert.Equal(target, dataRoot.Resolve("images", "l29.png"));
        Assert.Throws<UnsafePathException>(() => dataRoot.Resolve("images", "l44.png"));
    }

    [Fact]
    public void Links_inside_the_root_resolve_to_their_targets_and_dangling_ones_to_a_missing_file()
    {
        using var root = new TempFolder();
        var target = root.Image("store/ok.png", 2, 2, SKColors.Red);
        Directory.CreateDirectory(Path.Combine(root.Path, "images"));
        Link(root, "images/rel.png", "../store/ok.png");
        Link(root, "images/abs.png", target);
        Directory.CreateSymbolicLink(Path.Combine(root.Path, "images", "dir"), Path.Combine(root.Path, "store"));
        Link(root, "images/dangling.png", "nowhere.png");
        var dataRoot = new DataRoot(root.Path);
        Assert.Equal(target, dataRoot.Resolve("images", "rel.png"));
        Assert.Equal(target, dataRoot.Resolve("images", "abs.png"));
        Assert.Equal(target, dataRoot.Resolve("images", "dir/ok.png"));
        Assert.Equal(Path.Combine(root.Path, "images", "nowhere.png"), dataRoot.Resolve("images", "dangling.png"));
    }

    [Fact]
    public void A_root_that_is_itself_a_link_contains_its_targets_files()
    {
        using var root = new TempFolder();
        using var links = new TempFolder();
        var target = root.Image("images/ok.png", 2, 2, SKColors.Red);
        var linkedRoot = Path.Combine(links.Path, "data");
        Directory.CreateSymbolicLink(linkedRoot, root.Path);
        Assert.Equal(target, new DataRoot(linkedRoot).Resolve("images", "ok.png"));
    }

    [Fact]
    public void Model_packages_and_the_files_they_name_stay_inside_their_roots()
    {
        using var models = new TempFolder();
        using var outside = new TempFolder();
        models.File("pkg/model.json", "{}");
        models.File("pkg/weights.safetensors", "w");
        outside.File("elsewhere/model.json", "{}");
        outside.File("secret.safetensors", "s");
        Directory.CreateSymbolicLink(Path.Combine(models.Path, "current"), "pkg");
        Directory.CreateSymbolicLink(Path.Combine(models.Path, "escape"), Path.Combine(outside.Path, "elsewhere"));
        File.CreateSymbolicLink(Path.Combine(models.Path, "pkg", "linked.safetensors"), "weights.safetensors");
        File.CreateSymbolicLink(Path.Combine(models.Path, "pkg", "stolen.safetensors"), Path.Combine(outside.Path, "secret.safetensors"));
        File.CreateSymbolicLink(Path.Combine(models.Path, "pkg", "loop.safetensors"), "loop.safetensors");

        var package = Path.Combine(models.Path, "pkg");
        Assert.Equal(package, ModelPackagePaths.Folder(models.Path, "pkg"));
        Assert.Equal(package, ModelPackagePaths.Folder(models.Path, "current"));
        Assert.Contains("outside the model root through a symbolic link",
            Assert.Throws<UnsafePathException>(() => ModelPackagePaths.Folder(models.Path, "escape")).Message);
        Assert.Contains("outside the model root", Assert.Throws<UnsafePathException>(() => ModelPackagePaths.Folder(models.Path, "../x")).Message);
        Assert.Contains("outside the model root",
            Assert.Throws<UnsafePathException>(() => ModelPackagePaths.Folder(models.Path, outside.Path)).Message);

        Assert.Equal(Path.Combine(package, "weights.safetensors"), ModelPackagePaths.File(package, "linked.safetensors"));
        Assert.Contains("outside the model package",
            Assert.Throws<UnsafePathException>(() => ModelPackagePaths.File(package, "stolen.safetensors")).Message);
        Assert.Contains("outside the model package",
            Assert.Throws<UnsafePathException>(() => ModelPackagePaths.File(package, "../pkg2/w.safetensors")).Message);
        Assert.Contains("outside the model package",
            Assert.Throws<UnsafePathException>(() => ModelPackagePaths.File(package, "/etc/passwd")).Message);
        Assert.Contains("symbolic links", Assert.Throws<UnsafePathException>(() => ModelPackagePaths.File(package, "loop.safetensors")).Message);
    }

    [Fact]
    public async Task An_image_folder_with_link_loops_enumerates_and_the_looping_file_fails_alone()
    {
        using var root = new TempFolder();
        root.Image("cat/a.png", 2, 2, SKColors.Red);
        Link(root, "cat/loop.png", "loop.png");
        Directory.CreateSymbolicLink(Path.Combine(root.Path, "self"), "self");
        Directory.CreateSymbolicLink(Path.Combine(root.Path, "cat", "self"), "self");

        var source = DatasetSources.Open(root.Path);
        var items = await source.EnumerateAsync().ToListAsync();
        Assert.Equal(["cat"], source.ClassNames);
        Assert.Equal(["cat/a.png", "cat/loop.png"], items.Select(i => i.Path));
        var loaded = new ImageLoader(new DataRoot(root.Path)).Load(".", items.Select(i => i.Path).ToList());
        Assert.True(loaded[0].Ok);
        Assert.Equal("path", loaded[1].Stage);
        Assert.Contains("symbolic links", loaded[1].Error);
    }
}
