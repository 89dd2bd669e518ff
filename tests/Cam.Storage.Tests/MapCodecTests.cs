using Cam.Storage;
using Cam.Storage.Entities;

namespace Cam.Storage.Tests;

public class MapCodecTests
{
    private static float[] RandomMap(int seed, int length, float low, float high)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => low + random.NextSingle() * (high - low)).ToArray();
    }

    [Theory]
    [InlineData(1, 49, 0f, 1f)]
    [InlineData(2, 196, 0f, 1f)]
    [InlineData(3, 49, -37.5f, 120f)]
    [InlineData(4, 3136, -1e-3f, 1e-3f)]
    public void A_quantised_map_comes_back_within_half_a_step_of_its_range(int seed, int length, float low, float high)
    {
        var map = RandomMap(seed, length, low, high);
        map[0] = low; // the extremes are exact codes
        map[^1] = high;
        var decoded = MapCodec.Decode(MapCodec.Encode(map));
        Assert.Equal(map.Length, decoded.Length);
        // Independent bound: half of (max − min) / 65535, plus float32 rounding of the result.
        var bound = (high - (double)low) / 65535 / 2 + Math.Max(Math.Abs(low), Math.Abs(high)) * 1.2e-7;
        for (var i = 0; i < map.Length; i++)
            Assert.True(Math.Abs(decoded[i] - map[i]) <= bound, $"value {i}: {map[i]} came back as {decoded[i]} (bound {bound})");
        Assert.Equal(low, decoded[0], 6);
        Assert.Equal(high, decoded[^1], 4);
    }

    [Fact]
    public void A_normalised_map_is_within_1e5_and_takes_two_bytes_a_value_plus_nine()
    {
        var map = RandomMap(5, 49, 0f, 1f);
        var bytes = MapCodec.Encode(map);
        Assert.Equal(9 + 2 * 49, bytes.Length);
        Assert.All(MapCodec.Decode(bytes).Zip(map), p => Assert.True(Math.Abs(p.First - p.Second) < 1e-5));
    }

    [Fact]
    public void A_constant_map_comes_back_exactly()
    {
        var map = Enumerable.Repeat(0.25f, 16).ToArray();
        Assert.Equal(map, MapCodec.Decode(MapCodec.Encode(map)));
    }

    [Fact]
    public void A_map_with_a_value_that_is_not_finite_is_kept_as_float32_exactly()
    {
        float[] map = [0.5f, float.NaN, float.PositiveInfinity, -2f];
        var bytes = MapCodec.Encode(map);
        Assert.Equal(16, bytes.Length);
        Assert.Equal(map, MapCodec.Decode(bytes));
    }

    [Fact]
    public void Maps_stored_as_float32_before_the_quantised_form_still_read_exactly()
    {
        float[] map = [0.125f, -3.5f, 1e-7f, 42f];
        var legacy = map.SelectMany(BitConverter.GetBytes).ToArray(); // what ResultRow.EncodeMap wrote before
        Assert.Equal(map, ResultRow.DecodeMap(legacy));
        Assert.Equal(map, new ResultRow { Map = legacy, MapHeight = 2, MapWidth = 2 }.MapValues());
    }

    [Fact]
    public void A_stored_map_in_no_known_form_is_refused()
    {
        Assert.Throws<FormatException>(() => MapCodec.Decode([(byte)'X', 0, 0, 0, 0, 0, 0, 0, 0, 1, 2]));
        Assert.Throws<FormatException>(() => MapCodec.Decode([1, 2, 3, 4, 5, 6]));
    }
}
