using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Cam.Jobs.Tests;

/// <summary><c>cam bench-inputs</c> reads, decodes and preprocesses a dataset's images and reports each stage in JSON.</summary>
public class BenchInputsCommandTests
{
    [Fact]
    public async Task Bench_inputs_reports_every_image_of_the_dataset_once_per_pass_with_the_time_split_into_its_three_stages()
    {
        using var workspace = new DemoWorkspace(images: 4, withBadItems: false);
        var stdout = await CamCli.SucceedAsync(TimeSpan.FromMinutes(2), "bench-inputs", "--dataset",
            Path.Combine(workspace.DataRoot, "shapes", "manifest.csv"),
            "--model", Path.Combine(workspace.ModelRoot, "shapes-model"), "--repeat", "2", "--limit", "3");

        var result = JsonNode.Parse(stdout)!;
        Assert.Equal(3, result["files"]!.GetValue<int>());
        Assert.Null(result["pil"]);
        var cam = result["cam"]!;
        Assert.Equal(3 * 2, cam["images"]!.GetValue<long>());
        // The demo images are 64×64: 0.0041 megapixels.
        Assert.Equal(Math.Round(64 * 64 / 1e6, 2), result["megapixels_per_image"]!.GetValue<double>());
        var shares = new[] { "read", "decode", "preprocess" }.Select(s => cam["share"]![s]!.GetValue<double>()).ToArray();
        Assert.All(shares, s => Assert.InRange(s, 0.0, 1.0));
        Assert.InRange(shares.Sum(), 0.997, 1.003);
        Assert.True(cam["ms_per_image"]!["decode"]!.GetValue<double>() > 0);
        var rate = cam["images_per_second"]!.GetValue<double>();
        Assert.Equal(6 / cam["seconds"]!.GetValue<double>(), rate, 0.05 * rate + 0.01);
    }

    [Fact]
    public void The_PIL_side_of_the_bench_is_embedded_in_cam_and_parses_as_Python()
    {
        using var script = typeof(Cam.Cli.CamCommandLine).Assembly.GetManifestResourceStream("pil_bench.py");
        Assert.NotNull(script);
        var file = Path.Combine(Path.GetTempPath(), $"pil-bench-{Guid.NewGuid():N}.py");
        using (var target = File.Create(file)) script.CopyTo(target);
        try
        {
            var info = new ProcessStartInfo("python3") { RedirectStandardError = true };
            foreach (var a in new[] { "-c", "import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", file }) info.ArgumentList.Add(a);
            using var python = Process.Start(info)!;
            var error = python.StandardError.ReadToEnd();
            python.WaitForExit();
            Assert.True(python.ExitCode == 0, error);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
