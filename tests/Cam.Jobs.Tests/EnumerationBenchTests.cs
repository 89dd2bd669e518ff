using Cam.Cli.Commands.PipelineBench;

namespace Cam.Jobs.Tests;

public class EnumerationBenchTests
{
    [Fact]
    public async Task The_enumeration_bench_counts_every_line_and_the_items_that_would_be_errors()
    {
        var folder = Directory.CreateTempSubdirectory("cam-enum-bench-").FullName;
        try
        {
            var lines = new List<string> { "path,label,x0,y0,x1,y1" };
            for (var i = 0; i < 50; i++) lines.Add($"img{i}.jpg,cat,1,2,3,4");
            lines.Add("bad.jpg,cat,1,2,3");        // a box without its fourth corner
            lines.Add("worse.jpg,cat,a,b,c,d");    // coordinates that are not numbers
            var manifest = Path.Combine(folder, "manifest.csv");
            await File.WriteAllLinesAsync(manifest, lines);

            var report = await EnumerationBench.RunAsync(manifest, shardSize: 16, CancellationToken.None);

            Assert.Equal(52, report["items"]!.GetValue<long>());
            Assert.Equal(2, report["errors"]!.GetValue<long>());
            Assert.True(report["items_per_second"]!.GetValue<double>() > 0);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
