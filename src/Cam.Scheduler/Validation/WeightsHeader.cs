using System.Buffers.Binary;
using System.Text.Json;

namespace Cam.Scheduler.Validation;

/// <summary>
/// The header of a safetensors file, read and checked without loading any tensor (the scheduler carries no
/// libtorch): every entry has a known dtype, a shape of non-negative sizes and data offsets inside the file that
/// match them.
/// </summary>
public static class WeightsHeader
{
    private const long MaxHeaderBytes = 100 * 1024 * 1024;

    private static readonly Dictionary<string, int> ElementSizes = new(StringComparer.Ordinal)
    {
        ["F64"] = 8, ["F32"] = 4, ["F16"] = 2, ["BF16"] = 2, ["I64"] = 8, ["I32"] = 4, ["I16"] = 2, ["I8"] = 1, ["U8"] = 1, ["BOOL"] = 1,
    };

    /// <summary>Tensor name → shape.</summary>
    /// <exception cref="FormatException">The file is not a sound safetensors file.</exception>
    public static IReadOnlyDictionary<string, long[]> Read(string path)
    {
        using var stream = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) < 8) throw new FormatException("shorter than a safetensors header");
        var length = BinaryPrimitives.ReadInt64LittleEndian(prefix);
        if (length <= 0 || length > MaxHeaderBytes
            || length > stream.Length - 8) throw new FormatException($"header length {length} does not fit the file");
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        var dataLength = stream.Length - 8 - length;
        using var header = ParseObject(bytes);
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var entry in header.RootElement.EnumerateObject())
        {
            if (entry.Name == "__metadata__") continue;
            shapes[entry.Name] = Check(entry.Name, entry.Value, dataLength);
        }
        return shapes;
    }

    private static JsonDocument ParseObject(byte[] bytes)
    {
        try
        {
            var document = JsonDocument.Parse(bytes);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new FormatException("the header is not a JSON object");
            return document;
        }
        catch (JsonException e)
        {
            throw new FormatException($"the header is not valid JSON ({e.Message})");
        }
    }

    private static long[] Check(string name, JsonElement entry, long dataLength)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw new FormatException($"tensor '{name}' is not described by an object");
        if (!entry.TryGetProperty("dtype", out var dtype) || dtype.ValueKind != JsonValueKind.String
            || !ElementSizes.TryGetValue(dtype.GetString()!, out var size))
            throw new FormatException($"tensor '{name}' has no known dtype");
        var shape = Integers(entry, "shape", name);
        if (shape.Any(d => d < 0)) throw new FormatException($"tensor '{name}' has a negative size in its shape [{string.Join(",", shape)}]");
        var offsets = Integers(entry, "data_offsets", name);
        long bytes;
        try
        {
            bytes = checked(shape.Aggregate(1L, (a, b) => a * b) * size);
        }
        catch (OverflowException)
        {
            throw new FormatException($"tensor '{name}' of shape [{string.Join(",", shape)}] is larger than any file");
        }
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength || offsets[1] - offsets[0] != bytes)
            throw new FormatException($"tensor '{name}' has data offsets [{string.Join(",", offsets)}] that do not fit its shape " +
                $"[{string.Join(",", shape)}], its dtype and the file");
        return shape;
    }

    private static long[] Integers(JsonElement entry, string property, string name)
    {
        if (!entry.TryGetProperty(property, out var array) || array.ValueKind != JsonValueKind.Array)
            throw new FormatException($"tensor '{name}' has no {property}");
        return array.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n)
            ? n : throw new FormatException($"tensor '{name}' has a {property} that is not a list of integers")).ToArray();
    }
}
