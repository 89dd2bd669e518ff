using System.Buffers.Binary;

namespace Cam.Storage;

/// <summary>
/// How a map is stored in <c>results.map</c>. Two forms, told apart by the length's parity:
/// <list type="bullet">
/// <item>quantised (odd length, 9 + 2n bytes): a tag byte <c>'Q'</c>, the minimum and the step as float32, then n
/// uint16 codes; value = minimum + code × step, with step = (max − min) / 65535, so every value is within
/// (max − min) / 131070 of the original (7.6e-6 for a normalised map);</item>
/// <item>float32 (even length, 4n bytes, little-endian, row-major): maps stored before the quantised form, and maps
/// holding a value that is not finite.</item>
/// </list>
/// A 7×7 map takes 107 bytes instead of 196, a 14×14 one 401 instead of 784. Every reader decodes through here.
/// </summary>
public static class MapCodec
{
    private const byte QuantisedTag = (byte)'Q';
    private const int HeaderBytes = 9;
    private const int Levels = ushort.MaxValue;

    public static byte[] Encode(ReadOnlySpan<float> values)
    {
        if (values.Length == 0) return [];
        var (min, max) = (float.PositiveInfinity, float.NegativeInfinity);
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) return EncodeFloat32(values);
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        var step = (max - min) / Levels;
        if (!float.IsFinite(step)) return EncodeFloat32(values);
        var bytes = new byte[HeaderBytes + 2 * values.Length];
        bytes[0] = QuantisedTag;
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(1), min);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(5), step);
        var codes = bytes.AsSpan(HeaderBytes);
        for (var i = 0; i < values.Length; i++)
        {
            var code = step > 0 ? Math.Round(((double)values[i] - min) / step) : 0;
            BinaryPrimitives.WriteUInt16LittleEndian(codes[(2 * i)..], (ushort)Math.Clamp(code, 0, Levels));
        }
        return bytes;
    }

    public static float[] Decode(ReadOnlySpan<byte> bytes)
    {
        var values = new float[ValueCount(bytes)];
        DecodeInto(bytes, values);
        return values;
    }

    /// <summary>How many values a stored map holds, without decoding it.</summary>
    public static int ValueCount(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length % 2 == 0)
            return bytes.Length % 4 == 0
                ? bytes.Length / 4
                : throw new FormatException($"a stored float32 map of {bytes.Length} bytes is not a whole number of values");
        if (bytes[0] != QuantisedTag || bytes.Length < HeaderBytes)
            throw new FormatException($"a stored map of {bytes.Length} bytes is in no known form");
        return (bytes.Length - HeaderBytes) / 2;
    }

    /// <summary>Decodes into <paramref name="values"/>, <see cref="ValueCount"/> long: readers that stream reuse one buffer.</summary>
    public static void DecodeInto(ReadOnlySpan<byte> bytes, Span<float> values)
    {
        var count = ValueCount(bytes);
        if (values.Length != count) throw new ArgumentException($"the map holds {count} values, the buffer {values.Length}");
        if (bytes.Length % 2 == 0)
        {
            for (var i = 0; i < count; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
            return;
        }
        var min = BinaryPrimitives.ReadSingleLittleEndian(bytes[1..]);
        var step = BinaryPrimitives.ReadSingleLittleEndian(bytes[5..]);
        var codes = bytes[HeaderBytes..];
        for (var i = 0; i < count; i++)
            values[i] = (float)(min + (double)BinaryPrimitives.ReadUInt16LittleEndian(codes[(2 * i)..]) * step);
    }

    /// <summary>The largest error <see cref="Encode"/> allows for these values: half a step (zero for the float32 form).</summary>
    public static double Tolerance(ReadOnlySpan<float> values)
    {
        var (min, max) = (double.PositiveInfinity, double.NegativeInfinity);
        foreach (var v in values)
        {
            if (!float.IsFinite(v)) return 0;
            (min, max) = (Math.Min(min, v), Math.Max(max, v));
        }
        return values.Length == 0 ? 0 : (max - min) / Levels / 2;
    }

    public static byte[] EncodeFloat32(ReadOnlySpan<float> values)
    {
        var bytes = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }
}
