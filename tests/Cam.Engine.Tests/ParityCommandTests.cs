using System.Text.Json;
using System.Text.Json.Nodes;
using Cam.Cli;
using Cam.Engine.Tensors;

namespace Cam.Engine.Tests;

/// <summary>
/// <c>cam parity</c> over the committed reference fixtures, run once per test process: its report is what
/// <see cref="ParityCommandTests"/> checks as a command's output and <see cref="ParityTests"/> checks case by case (the
/// Score-CAM and IS-CAM cases are thousands of masked forwards: a few CPU-minutes, run twice before).
/// </summary>
internal static class CommittedParity
{
    /// <summary>The classes that read the report: one at a time, since <c>cam parity</c> in process takes over the console.</summary>
    public const string Collection = "committed parity";

    private static readonly Lazy<(int Code, JsonObject Report)> Run = new(() => ParityCommandTests.Parity("--fixtures", Fixtures.Dir, "--json"));

    public static int Code => Run.Value.Code;
    public static JsonObject Report => Run.Value.Report;

    /// <summary>The report's entry for the case named <paramref name="name"/>.</summary>
    public static JsonObject Case(string name) =>
        Report["cases"]!.AsArray().Select(c => c!.AsObject()).Single(c => (string)c["case"]! == name);
}

/// <summary><c>cam parity</c> against the committed reference fixtures and against altered copies of them.</summary>
[Collection(CommittedParity.Collection)]
public class ParityCommandTests
{
    [Fact]
    public void Parity_passes_on_the_committed_fixtures_on_cpu()
    {
        var (code, report) = (CommittedParity.Code, CommittedParity.Report);

        Assert.Equal(0, code);
        var expectedCases = JsonSerializer.Deserialize<List<JsonObject>>(File.ReadAllText(Fixtures.PathOf("index.json")))!
            .Select(c => (string)c["case"]!).ToList();
        var cases = report["cases"]!.AsArray().Select(c => c!.AsObject()).ToList();
        Assert.Equal(expectedCases, cases.Select(c => (string)c["case"]!).ToList());
        Assert.All(cases, c => Assert.True((bool)c["passed"]!, (string?)c["reason"]));
        Assert.Equal(1e-4, (double)report["tolerances"]!["normalized_absolute"]!);
        var scoreCam = cases.Single(c => (string)c["case"]! == "scorecam_two_layers_fused")["comparisons"]!.AsObject();
        Assert.Equal(["logits", "layer3", "layer4", "fused"], scoreCam.Select(kv => kv.Key).ToList());
        Assert.All(scoreCam, kv => Assert.InRange((double)kv.Value!["error"]!, 0, 1e-4));
    }

    [Fact]
    public void A_perturbed_expected_map_fails_that_case_with_the_size_of_the_perturbation()
    {
        using var copy = new FixtureCopy();
        copy.AddCase("cam_int_class", "cam_int_class", perturb: ("expected.layer4", 0.25f));

        var (code, report) = Parity("--fixtures", copy.Dir, "--json");

        Assert.Equal(1, code);
        var single = Assert.Single(report["cases"]!.AsArray())!;
        Assert.False((bool)single["passed"]!);
        Assert.Contains("layer4: max abs difference", (string)single["reason"]!);
        var layer = single["comparisons"]!["layer4"]!;
        Assert.False((bool)layer["passed"]!);
        Assert.InRange((double)layer["max_abs_diff"]!, 0.25 - 1e-4, 0.25 + 1e-4);
        Assert.True((bool)single["comparisons"]!["logits"]!["passed"]!);
    }

    [Fact]
    public void A_method_the_engine_does_not_know_fails_its_case_and_the_other_cases_still_run()
    {
        using var copy = new FixtureCopy();
        copy.AddCase("cam_int_class", "future_method", method: "nosuchcam");
        copy.AddCase("cam_int_class", "cam_int_class");

        var (code, report) = Parity("--fixtures", copy.Dir, "--json");

        Assert.Equal(1, code);
        var cases = report["cases"]!.AsArray();
        Assert.Equal("future_method", (string)cases[0]!["case"]!);
        Assert.False((bool)cases[0]!["passed"]!);
        Assert.Contains("unknown method 'nosuchcam'", (string)cases[0]!["reason"]!);
        Assert.True((bool)cases[1]!["passed"]!, (string?)cases[1]!["reason"]);
        Assert.Equal(1, (int)report["passed"]!);
        Assert.Equal(1, (int)report["failed"]!);
    }

    /// <summary>
    /// A torchcam gradient case whose explained forward and backward run in bfloat16, channels-last (one forward and
    /// one backward, where a Score-CAM case is hundreds of masked forwards; its bound, 1e-2, is also its bound in
    /// <see cref="ParityTests"/>). The Score-CAM cases at bfloat16 are judged in <see cref="ParityTests"/>
    /// (scorecam_two_layers_fused) and by <c>cam parity --dtype bfloat16 --channels-last</c> (README).
    /// </summary>
    [Fact]
    public void Reduced_precision_is_judged_at_its_own_tolerances()
    {
        var (code, report) = Parity("--fixtures", Fixtures.GradientDir, "--dtype", "bfloat16", "--channels-last",
            "--case", "gradcampp_paper", "--json");

        Assert.Equal(0, code);
        Assert.Equal("bfloat16", (string)report["dtype"]!);
        Assert.True((bool)report["channels_last"]!);
        Assert.Equal(1e-2, (double)report["tolerances"]!["normalized_absolute"]!);
        Assert.Equal(5e-2, (double)report["tolerances"]!["raw_relative"]!);
        Assert.Equal(5e-2, (double)report["tolerances"]!["logits_relative"]!);
        var single = Assert.Single(report["cases"]!.AsArray())!;
        Assert.True((bool)single["passed"]!, (string?)single["reason"]);
        var map = single["comparisons"]!["layer4"]!;
        Assert.Equal(("absolute", 1e-2), ((string)map["kind"]!, (double)map["tolerance"]!));
        Assert.InRange((double)map["error"]!, 0, 1e-2);
        // Not vacuous: the forward ran in bfloat16, so the logits miss float32's bound.
        Assert.True((double)single["comparisons"]!["logits"]!["error"]! > 1e-4);
    }

    [Theory]
    [InlineData("--case", "no_such_case")]
    [InlineData("--dtype", "float8")]
    [InlineData("--device", "tpu")]
    public void Bad_arguments_are_a_usage_error(string option, string value)
    {
        var (code, _) = Parity(["--fixtures", Fixtures.Dir, option, value], expectReport: false);
        Assert.Equal(2, code);
    }

    [Fact]
    public void A_folder_without_an_index_is_a_usage_error()
    {
        using var copy = new FixtureCopy();
        var (code, _) = Parity(["--fixtures", copy.Dir], expectReport: false);
        Assert.Equal(2, code);
    }

    internal static (int Code, JsonObject Report) Parity(params string[] args) => Parity(args, expectReport: true);

    /// <summary>Runs <c>cam parity</c> in process; the report is the JSON line it printed (other tests may print too).</summary>
    private static (int Code, JsonObject Report) Parity(string[] args, bool expectReport)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var (originalOut, originalError) = (Console.Out, Console.Error);
        Console.SetOut(output);
        Console.SetError(error);
        int code;
        try
        {
            code = CamCommandLine.Build().Parse(["parity", .. args]).Invoke();
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
        var line = output.ToString().Split('\n').FirstOrDefault(l => l.StartsWith("{\"device\"", StringComparison.Ordinal));
        if (!expectReport) return (code, new JsonObject());
        Assert.True(line is not null, $"no report printed; stderr: {error}");
        return (code, JsonNode.Parse(line)!.AsObject());
    }

    /// <summary>A temporary fixture folder: cases copied from the committed ones, altered, listed in its own index.json.</summary>
    private sealed class FixtureCopy : IDisposable
    {
        private readonly List<Dictionary<string, string>> index = [];

        public FixtureCopy()
        {
            Dir = Path.Combine(Path.GetTempPath(), $"cam-parity-{Guid.NewGuid():N}");
            Directory.CreateDirectory(Dir);
            File.CreateSymbolicLink(Path.Combine(Dir, "resnet18-seed0.safetensors"), Fixtures.ResNet18Weights);
        }

        public string Dir { get; }

        public void AddCase(string source, string name, (string Tensor, float Delta)? perturb = null, string? method = null)
        {
            using var file = SafeTensors.Load(Fixtures.PathOf(source + ".safetensors"));
            var tensors = file.Tensors.ToDictionary(kv => kv.Key, kv => kv.Value.clone());
            if (perturb is { } p)
            {
                var flat = tensors[p.Tensor].view(-1);
                flat[1] = flat[1] + p.Delta;
            }
            var metadata = file.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
            if (method is not null) metadata["method"] = method;
            SafeTensors.Save(Path.Combine(Dir, name + ".safetensors"), tensors, metadata);
            foreach (var t in tensors.Values) t.Dispose();
            index.Add(new Dictionary<string, string> { ["case"] = name, ["method"] = metadata["method"] });
            File.WriteAllText(Path.Combine(Dir, "index.json"), JsonSerializer.Serialize(index));
        }

        public void Dispose() => Directory.Delete(Dir, recursive: true);
    }
}
