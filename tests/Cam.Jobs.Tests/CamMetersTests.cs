using System.Diagnostics.Metrics;
using Cam.Contracts;

namespace Cam.Jobs.Tests;

public class CamMetersTests
{
    [Fact]
    public void An_instrument_outside_the_naming_conventions_is_refused_naming_what_is_wrong()
    {
        using var meter = new Meter("cam-meters-test");

        Assert.Contains("'items.done' must start with 'cam.'",
            Assert.Throws<ArgumentException>(() => meter.Count("items.done", "{item}", "x")).Message);
        Assert.Contains("count unit 'items' must be a {annotation}",
            Assert.Throws<ArgumentException>(() => meter.Count("cam.items.done", "items", "x")).Message);
        Assert.Contains("must start with 'cam.' and end with '.duration'",
            Assert.Throws<ArgumentException>(() => meter.Seconds("cam.shard.time", "x")).Message);
    }

    [Fact]
    public void Durations_are_in_seconds_and_sizes_keep_their_buckets()
    {
        using var meter = new Meter("cam-meters-test");

        var duration = meter.Seconds("cam.step.duration", "One step", [0.5, 1]);
        var sizes = meter.Sizes("cam.chunk.size", "{input}", "Inputs together", [1, 2, 4]);

        Assert.Equal(("s", "{input}"), (duration.Unit, sizes.Unit));
        Assert.Equal([0.5, 1], duration.Advice!.HistogramBucketBoundaries!);
        Assert.Equal([1L, 2, 4], sizes.Advice!.HistogramBucketBoundaries!);
        Assert.Null(meter.Seconds("cam.other.duration", "Default buckets").Advice);
    }

    [Fact]
    public void Every_instrument_cam_defines_is_a_cam_name_counted_in_an_annotation_or_timed_in_seconds()
    {
        foreach (var instrument in CamInstruments.All())
        {
            Assert.StartsWith("cam.", instrument.Name);
            if (instrument.Unit == "s") Assert.EndsWith(".duration", instrument.Name);
            else Assert.Matches("^(\\{[a-z_]+\\}|By)$", instrument.Unit);
        }
    }
}
