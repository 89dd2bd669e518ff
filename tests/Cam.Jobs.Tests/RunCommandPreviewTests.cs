using System.Text.Json.Nodes;

namespace Cam.Jobs.Tests;

/// <summary><c>cam run --json</c> reports the cost preview it started from next to the run's own time.</summary>
public class RunCommandPreviewTests
{
    [Fact]
    public async Task Cam_run_json_reports_the_previews_forward_count_and_its_time_over_the_runs()
    {
        using var workspace = new DemoWorkspace(images: 6, withBadItems: false);
        var stdout = await CamCli.SucceedAsync(TimeSpan.FromMinutes(3), "run", "--dataset",
            Path.Combine(workspace.DataRoot, "shapes", "manifest.csv"),
            "--model", Path.Combine(workspace.ModelRoot, "shapes-model"), "--methods", "cam,gradcam", "--classes", "top:2",
            "--out", Path.Combine(workspace.Root, "out"), "--json", "--no-report");

        var summary = JsonNode.Parse(stdout.Trim().Split('\n')[^1])!;
        var preview = summary["preview"]!;
        // CAM needs the explained forward alone; Grad-CAM that forward and one backward per class (two classes here).
        Assert.Equal(6L * (1 + (1 + 2)), preview["forwards"]!.GetValue<long>());
        var rate = preview["forwards_per_second"]!.GetValue<double>();
        Assert.True(rate > 0);
        Assert.Equal(6.0 * 4 / rate, preview["seconds"]!.GetValue<double>(), 6);
        // The run's seconds are printed to 0.01 s, the ratio to 0.001.
        var expected = preview["seconds"]!.GetValue<double>() / summary["seconds"]!.GetValue<double>();
        Assert.InRange(preview["over_actual"]!.GetValue<double>(), expected * 0.99 - 0.001, expected * 1.01 + 0.001);
    }
}
