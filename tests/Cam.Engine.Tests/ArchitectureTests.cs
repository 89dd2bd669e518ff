using System.Text.Json;
using Cam.Engine.Models;

namespace Cam.Engine.Tests;

public class ArchitectureTests
{
    private static readonly Dictionary<string, Dictionary<string, long[]>> TorchvisionKeys =
        JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, long[]>>>(
            File.ReadAllText(Path.Combine(Fixtures.Dir, "..", "torchvision", "state_dict_keys.json")))!;

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var name in TorchvisionKeys.Keys) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void State_dict_has_torchvisions_names_and_shapes(string architecture)
    {
        using var model = Architectures.Create(architecture, 10);
        var ours = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.shape);
        var theirs = TorchvisionKeys[architecture];
        Assert.Empty(theirs.Keys.Except(ours.Keys));
        Assert.Empty(ours.Keys.Except(theirs.Keys));
        foreach (var (key, shape) in theirs) Assert.True(shape.SequenceEqual(ours[key]),
            $"{key}: ours [{string.Join(",", ours[key])}], torchvision [{string.Join(",", shape)}]");
    }

    [Fact]
    public void Every_built_in_architecture_of_the_issue_is_covered()
    {
        string[] required = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "vgg11", "vgg13", "vgg16", "vgg19",
            "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn", "mobilenet_v2"];
        Assert.Empty(required.Except(TorchvisionKeys.Keys));
        Assert.Empty(required.Except(Architectures.Names));
    }

    public static TheoryData<string> EngineArchitectures() => new(Architectures.Names);

    /// <summary>The scheduler checks a package's class count against its weights' head without the engine; its table must be the engine's.</summary>
    [Theory]
    [MemberData(nameof(EngineArchitectures))]
    public void The_schedulers_head_table_names_each_architectures_classifier_head(string architecture)
    {
        Assert.Equal(Architectures.Names.Order(), Cam.Scheduler.Validation.BuiltinArchitectures.HeadWeights.Keys.Order());
        using var model = Architectures.Create(architecture, 7);
        var head = Cam.Scheduler.Validation.BuiltinArchitectures.HeadWeights[architecture];
        var state = model.state_dict();
        Assert.True(state.ContainsKey(head), $"{architecture} has no '{head}'");
        Assert.Equal(7, state[head].shape[0]);
    }
}
