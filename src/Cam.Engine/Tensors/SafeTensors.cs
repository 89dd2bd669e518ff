using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cam.Engine.Tensors;

/// <summary>The tensors and string metadata of one safetensors file.</summary>
public sealed class SafeTensorsFile : IDisposable
{
    public SafeTensorsFile(Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    public IReadOnlyDictionary<string, Tensor> Tensors { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    public Tensor this[string name] => Tensors.TryGetValue(name, out var t)
        ? t
        : throw new SafeTensorsException($"tensor '{name}' is not in the file (it holds: " +
            $"{string.Join(", ", Tensors.Keys.Order(StringComparer.Ordinal))})");

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}

public sealed class SafeTensorsException(string message) : Exception(message);

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
/// (name → dtype, shape, data_offsets; optional "__metadata__" of strings), then the raw little-endian data.
/// </summary>
public static class SafeTensors
{
    private const long MaxHeaderBytes = 100 * 1024 * 1024;

    public static SafeTensorsFile Load(string path)
    {
        if (!File.Exists(path)) throw new SafeTensorsException($"{path}: no such file");
        using var stream = File.OpenRead(path);
        try
        {
            return Read(stream, path);
        }
        catch (SafeTensorsException) { throw; }
        catch (Exception e) when (e is JsonException or EndOfStreamException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            throw new SafeTensorsException($"{path}: not a valid safetensors file ({e.Message})");
        }
    }

    private static SafeTensorsFile Read(Stream stream, string path)
    {
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (headerLength <= 0 || headerLength > MaxHeaderBytes || headerLength > stream.Length - 8)
            throw new SafeTensorsException($"{path}: not a valid safetensors file (header length {headerLength})");
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        var header = JsonNode.Parse(headerBytes)?.AsObject()
                     ?? throw new SafeTensorsException($"{path}: empty safetensors header");
        var dataStart = 8 + headerLength;
        var dataLength = stream.Length - dataStart;

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == "__metadata__")
                {
                    foreach (var (k, v) in node!.AsObject()) metadata[k] = v?.GetValue<string>() ?? "";
                    continue;
                }
                var entry = node!.AsObject();
                var dtype = entry["dtype"]!.GetValue<string>();
                var shape = entry["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var offsets = entry["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var (scalarType, elementSize) = ParseDtype(dtype, path, name);
                var count = shape.Aggregate(1L, (a, b) => a * b);
                if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] > dataLength || offsets[1] - offsets[0] != count * elementSize)
                    throw new SafeTensorsException($"{path}: tensor '{name}' has data offsets [{string.Join(",", offsets)}] that do not fit its " +
                        $"shape [{string.Join(",", shape)}] and dtype {dtype}");
                var bytes = new byte[offsets[1] - offsets[0]];
                stream.Position = dataStart + offsets[0];
                stream.ReadExactly(bytes);
                tensors[name] = FromBytes(bytes, scalarType, shape);
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return new SafeTensorsFile(tensors, metadata);
    }

    private static (ScalarType, int) ParseDtype(string dtype, string path, string name) => dtype switch
    {
        "F32" => (ScalarType.Float32, 4),
        "F16" => (ScalarType.Float16, 2),
        "BF16" => (ScalarType.BFloat16, 2),
        "F64" => (ScalarType.Float64, 8),
        "I64" => (ScalarType.Int64, 8),
        "I32" => (ScalarType.Int32, 4),
        "I16" => (ScalarType.Int16, 2),
        "I8" => (ScalarType.Int8, 1),
        "U8" => (ScalarType.Byte, 1),
        "BOOL" => (ScalarType.Bool, 1),
        _ => throw new SafeTensorsException($"{path}: tensor '{name}' has unsupported dtype {dtype}"),
    };

    /// <summary>
    /// Floating-point data becomes float32 (exact for F16 and BF16) or float64; integers become int64, bytes and
    /// booleans stay as they are. The caller converts to the dtype it needs.
    /// </summary>
    private static Tensor FromBytes(byte[] bytes, ScalarType type, long[] shape)
    {
        var count = (int)shape.Aggregate(1L, (a, b) => a * b);
        switch (type)
        {
            case ScalarType.Float32:
                return torch.tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape);
            case ScalarType.Float64:
                return torch.tensor(MemoryMarshal.Cast<byte, double>(bytes).ToArray(), shape);
            case ScalarType.Float16:
            {
                var halves = MemoryMarshal.Cast<byte, Half>(bytes);
                var values = new float[count];
                for (var i = 0; i < count; i++) values[i] = (float)halves[i];
                return torch.tensor(values, shape);
            }
            case ScalarType.BFloat16:
            {
                var raw = MemoryMarshal.Cast<byte, ushort>(bytes);
                var values = new float[count];
                for (var i = 0; i < count; i++) values[i] = BitConverter.Int32BitsToSingle(raw[i] << 16);
                return torch.tensor(values, shape);
            }
            case ScalarType.Int64:
                return torch.tensor(MemoryMarshal.Cast<byte, long>(bytes).ToArray(), shape);
            case ScalarType.Int32:
                return torch.tensor(MemoryMarshal.Cast<byte, int>(bytes).ToArray().Select(v => (long)v).ToArray(), shape);
            case ScalarType.Int16:
                return torch.tensor(MemoryMarshal.Cast<byte, short>(bytes).ToArray().Select(v => (long)v).ToArray(), shape);
            case ScalarType.Int8:
                return torch.tensor(MemoryMarshal.Cast<byte, sbyte>(bytes).ToArray().Select(v => (long)v).ToArray(), shape);
            case ScalarType.Bool:
                return torch.tensor(bytes.Select(b => b != 0).ToArray(), shape);
            default:
                return torch.tensor(bytes, shape);
        }
    }

    /// <summary>Writes tensors (any dtype listed above; stored as they are) with optional string metadata.</summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        var blobs = new List<byte[]>();
        long offset = 0;
        foreach (var (name, tensor) in tensors)
        {
            using var contiguous = tensor.detach().cpu().contiguous();
            var bytes = ToBytes(contiguous);
            header[name] = new JsonObject
            {
                ["dtype"] = DtypeName(contiguous.dtype),
                ["shape"] = new JsonArray(contiguous.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes.Length),
            };
            offset += bytes.Length;
            blobs.Add(bytes);
        }
        var headerText = header.ToJsonString();
        // Pad the header with spaces to an 8-byte boundary, as the reference writer does.
        var padded = headerText + new string(' ', (8 - Encoding.UTF8.GetByteCount(headerText) % 8) % 8);
        var headerBytes = Encoding.UTF8.GetBytes(padded);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        using var stream = File.Create(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(lengthBytes, headerBytes.Length);
        stream.Write(lengthBytes);
        stream.Write(headerBytes);
        foreach (var blob in blobs) stream.Write(blob);
    }

    /// <summary>The tensor's bytes as stored in memory (little-endian on every platform libtorch runs on), whatever its dtype.</summary>
    private static byte[] ToBytes(Tensor contiguous) => contiguous.numel() == 0 ? [] : contiguous.bytes.ToArray();

    private static string DtypeName(ScalarType type) => type switch
    {
        ScalarType.Float32 => "F32",
        ScalarType.Float16 => "F16",
        ScalarType.BFloat16 => "BF16",
        ScalarType.Float64 => "F64",
        ScalarType.Int64 => "I64",
        ScalarType.Int32 => "I32",
        ScalarType.Int16 => "I16",
        ScalarType.Int8 => "I8",
        ScalarType.Byte => "U8",
        ScalarType.Bool => "BOOL",
        _ => throw new SafeTensorsException($"cannot store dtype {type} in safetensors (F32, F16, BF16, F64, I64, I32, I16, I8, U8 or BOOL)"),
    };
}
