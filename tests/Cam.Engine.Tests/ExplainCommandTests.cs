using Cam.Cli;
using Cam.Engine.Tensors;

namespace Cam.Engine.Tests;

public class ExplainCommandTests
{
    private static int Cam(params string[] args) => CamCommandLine.Build().Parse(args).Invoke();

    [Fact]
    public void Explain_writes_the_reference_maps_for_the_command_line_case()
    {
        var output = Path.Combine(Path.GetTempPath(), $"cam-{Guid.NewGuid():N}.safetensors");
        try
        {
            var code = Cam("explain", "--arch", "resnet18", "--num-classes", "10", "--weights", Fixtures.ResNet18Weights,
                "--input", Fixtures.PathOf("cam_class_list_raw.safetensors"), "--method", "cam", "--layers", "layer4",
                "--class-idx", "[1, 2, 3]", "--raw", "--out", output);
            Assert.Equal(0, code);
            using var expected = SafeTensors.Load(Fixtures.PathOf("cam_class_list_raw.safetensors"));
            using var actual = SafeTensors.Load(output);
            Tolerance.Relative(expected["expected.layer4"], actual["cam.layer4"], 1e-4, "cam.layer4");
            Tolerance.Relative(expected["logits"], actual["logits"], 1e-4, "logits");
            Assert.False(actual.Tensors.ContainsKey("cam.fused"));
        }
        finally
        {
            File.Delete(output);
        }
    }

    public static TheoryData<string> GradientCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixtures.GradientCases) data.Add(c["case"].GetString()!);
        return data;
    }

    /// <summary>Each gradient fixture through the command line, with its metadata as the flags a user would pass.</summary>
    [Theory]
    [MemberData(nameof(GradientCases))]
    public void Explain_reproduces_every_gradient_fixture_from_its_metadata(string name)
    {
        var fixture = Path.Combine(Fixtures.GradientDir, name + ".safetensors");
        var output = Path.Combine(Path.GetTempPath(), $"cam-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var expected = SafeTensors.Load(fixture);
            var meta = expected.Metadata;
            var normalized = meta["normalized"] == "true";
            string[] args = ["explain", "--arch", meta["arch"], "--num-classes", meta["num_classes"],
                "--weights", Path.Combine(Fixtures.GradientDir, meta["weights"]), "--input", fixture,
                "--method", meta["method"], "--convention", meta["convention"], "--layers", meta["target_layers"],
                "--class-idx", meta["class_idx"], "--out", output, .. normalized ? Array.Empty<string>() : ["--raw"]];
            Assert.Equal(0, Cam(args));
            using var actual = SafeTensors.Load(output);
            Tolerance.Relative(expected["logits"], actual["logits"], 1e-4, "logits");
            foreach (var layer in meta["target_layers"].Split(','))
            {
                if (normalized) Tolerance.Absolute(expected["expected." + layer], actual["cam." + layer], 1e-4, layer);
                else Tolerance.Relative(expected["expected." + layer], actual["cam." + layer], 1e-4, layer);
            }
            if (expected.Tensors.ContainsKey("expected.fused"))
                Tolerance.Absolute(expected["expected.fused"], actual["cam.fused"], 1e-4, "fused");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void Explain_finds_the_candidate_layer_when_none_is_given()
    {
        var output = Path.Combine(Path.GetTempPath(), $"cam-{Guid.NewGuid():N}.safetensors");
        try
        {
            Assert.Equal(0, Cam("explain", "--arch", "resnet18", "--num-classes", "10", "--weights", Fixtures.ResNet18Weights,
                "--input", Fixtures.PathOf("cam_int_class.safetensors"), "--method", "cam", "--class-idx", "5", "--out", output));
            using var expected = SafeTensors.Load(Fixtures.PathOf("cam_int_class.safetensors"));
            using var actual = SafeTensors.Load(output);
            Tolerance.Absolute(expected["expected.layer4"], actual["cam.layer4"], 1e-4, "cam.layer4");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Theory]
    [InlineData("--arch", "resnet19")]
    [InlineData("--layers", "layer9")]
    [InlineData("--class-idx", "ten")]
    [InlineData("--weights", "/no/such/file.safetensors")]
    [InlineData("--num-classes", "7")]
    public void Explain_fails_with_a_non_zero_exit_on_bad_arguments(string option, string value)
    {
        var args = new Dictionary<string, string>
        {
            ["--arch"] = "resnet18", ["--num-classes"] = "10", ["--weights"] = Fixtures.ResNet18Weights,
            ["--input"] = Fixtures.PathOf("cam_int_class.safetensors"), ["--method"] = "cam", ["--class-idx"] = "5",
            ["--out"] = Path.Combine(Path.GetTempPath(), $"cam-{Guid.NewGuid():N}.safetensors"),
        };
        args[option] = value;
        var error = new StringWriter();
        var original = Console.Error;
        Console.SetError(error);
        try
        {
            Assert.NotEqual(0, Cam(["explain", .. args.SelectMany(kv => new[] { kv.Key, kv.Value })]));
        }
        finally
        {
            Console.SetError(original);
        }
        var lines = error.ToString().Trim().Split('\n');
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
    }
}
