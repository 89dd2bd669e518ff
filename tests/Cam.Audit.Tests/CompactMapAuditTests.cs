using Cam.Audit;
using Cam.Storage;

namespace Cam.Audit.Tests;

/// <summary>What the audit computes from maps stored in the compact form, against the same maps in float32.</summary>
public class CompactMapAuditTests
{
    [Fact]
    public void Mean_maps_and_region_statistics_from_compact_maps_stay_within_1e3_of_float32()
    {
        const int side = 7;
        var random = new Random(11);
        var exact = new ClassMapAccumulator();
        var compact = new ClassMapAccumulator();
        for (var i = 0; i < 600; i++)
        {
            var cls = i % 3;
            // Normalised maps with a class-dependent hot spot, as the shortcut finder sees them.
            var map = new float[side * side];
            for (var p = 0; p < map.Length; p++)
                map[p] = random.NextSingle() * 0.3f + (p / side < 3 && p % side < 3 && cls == 0 ? 0.7f : 0f);
            var peak = Array.IndexOf(map, map.Max());
            exact.Add(cls, map, side, side, peak / side, peak % side);
            // The peak is a column of its own, found by the worker on the float32 map: the audit reads it, not the stored map.
            compact.Add(cls, MapCodec.Decode(MapCodec.Encode(map)), side, side, peak / side, peak % side);
        }
        foreach (var cls in exact.Classes)
        {
            Assert.Equal(exact.Count(cls), compact.Count(cls));
            var (a, b) = (exact.MeanMap(cls), compact.MeanMap(cls));
            Assert.All(a.Zip(b), p => Assert.True(Math.Abs(p.First - p.Second) < 1e-3, $"class {cls}: mean map {p.First} vs {p.Second}"));
            var (othersA, othersB) = (exact.MeanMapOfOthers(cls), compact.MeanMapOfOthers(cls));
            Assert.All(othersA.Zip(othersB), p => Assert.True(Math.Abs(p.First - p.Second) < 1e-3));
            for (var y = 0; y < side; y++)
                for (var x = 0; x < side; x++)
                {
                    var (ta, tb) = (exact.RegionT(cls, y, x), compact.RegionT(cls, y, x));
                    Assert.True(Math.Abs(ta - tb) <= 1e-3 * Math.Max(1, Math.Abs(ta)), $"class {cls} region ({y},{x}): t {ta} vs {tb}");
                    Assert.Equal(exact.PeaksNear(cls, y, x), compact.PeaksNear(cls, y, x));
                }
        }
    }
}
