using System.Text.Json.Nodes;
using Cam.Engine.Packages;
using Cam.Scheduler;
using Cam.Scheduler.Validation;
using Cam.Specs;

namespace Cam.Jobs.Tests;

/// <summary>
/// The scheduler reads <c>model.json</c> with the reader the workers load packages with: a manifest a worker would
/// refuse is refused at submission, for the same reason, naming the package as it was submitted.
/// </summary>
public class ModelPackageInspectorTests
{
    [Fact]
    public void A_manifest_a_worker_would_refuse_is_refused_at_submission_with_the_workers_reason_naming_the_package_as_submitted()
    {
        using var workspace = new DemoWorkspace(images: 1, withBadItems: false);
        var cases = new (string Package, Action<JsonObject> Edit, string Problem)[]
        {
            ("zero-classes", m => m["numClasses"] = 0, "numClasses must be positive"),
            ("four-labels", m => m["labels"]!.AsArray().RemoveAt(0), "4 labels for 5 classes"),
            ("null-preprocess", m => m["preprocess"] = null, "preprocess must be an object"),
            ("zero-std", m => m["preprocess"]!["std"] = new JsonArray(0.5, 0, 0.5), "preprocess: std values must be positive"),
            // Before the scheduler shared the workers' reader, it did not read outputs and left this to the workers.
            ("negative-prefix", m => m["outputs"] = JsonNode.Parse("""[{ "name": "features", "tokens": { "prefix": -1 } }]"""),
                "output 'features': tokens: prefix must be 0 or more, not -1"),
            ("twice-named", m => m["outputs"] = new JsonArray("features", "features"), "output 'features' is named twice"),
        };
        var inspector = new ModelPackageInspector(new SchedulerSettings { DataRoot = workspace.DataRoot, ModelRoot = workspace.ModelRoot });
        foreach (var (package, edit, problem) in cases)
        {
            var directory = Copy(workspace, package, edit);

            var refused = Assert.Throws<JobValidationException>(() => inspector.Inspect(package));

            Assert.Equal("model", refused.Field);
            Assert.Equal($"model: model package '{package}': {problem}", refused.Message);
            Assert.Equal($"model package '{directory}': {problem}", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(directory)).Message);
        }
    }

    [Fact]
    public void A_model_json_linked_from_outside_the_package_is_refused_at_submission_as_at_load()
    {
        using var workspace = new DemoWorkspace(images: 1, withBadItems: false);
        var directory = Copy(workspace, "linked-manifest", _ => { });
        var outside = Path.Combine(workspace.Root, "model.json");
        File.Move(Path.Combine(directory, "model.json"), outside);
        File.CreateSymbolicLink(Path.Combine(directory, "model.json"), outside);
        var inspector = new ModelPackageInspector(new SchedulerSettings { DataRoot = workspace.DataRoot, ModelRoot = workspace.ModelRoot });

        var refused = Assert.Throws<JobValidationException>(() => inspector.Inspect("linked-manifest"));

        const string problem = "path 'model.json' leads outside the model package through a symbolic link";
        Assert.Equal($"model: model package 'linked-manifest': {problem}", refused.Message);
        Assert.Equal($"model package '{directory}': {problem}", Assert.Throws<ModelPackageException>(() => ModelPackage.Load(directory)).Message);
    }

    [Fact]
    public void Labels_given_as_null_mean_no_labels_at_submission_and_at_load()
    {
        using var workspace = new DemoWorkspace(images: 1, withBadItems: false);
        var directory = Copy(workspace, "null-labels", m => m["labels"] = null);
        var inspector = new ModelPackageInspector(new SchedulerSettings { DataRoot = workspace.DataRoot, ModelRoot = workspace.ModelRoot });

        var facts = inspector.Inspect("null-labels");

        Assert.Equal(5, facts.NumClasses);
        using var loaded = ModelPackage.Load(directory);
        Assert.Empty(loaded.Manifest.Labels);
        Assert.Equal(3, loaded.ClassOf("3"));
    }

    /// <summary>A copy of the demo package under the model root, its model.json edited.</summary>
    private static string Copy(DemoWorkspace workspace, string name, Action<JsonObject> edit)
    {
        var directory = Directory.CreateDirectory(Path.Combine(workspace.ModelRoot, name)).FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(workspace.ModelRoot, "shapes-model")))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        var json = Path.Combine(directory, "model.json");
        var manifest = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        edit(manifest);
        File.WriteAllText(json, manifest.ToJsonString());
        return directory;
    }
}
