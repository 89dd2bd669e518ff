using System.Text;

namespace Cam.Export;

/// <summary>
/// Strings decoded from UTF-8 and remembered by their bytes, so that a value that repeats from row to row (a
/// method's or layer's name, the same metrics object) is decoded once and the rows share one instance. Holds the
/// last <c>capacity</c> distinct values; a lookup compares bytes (vectorised), most recently added first.
/// </summary>
internal sealed class Utf8Strings(int capacity = 8)
{
    private readonly byte[][] keys = new byte[capacity][];
    private readonly string[] values = new string[capacity];
    private int count;
    private int next;

    public string Get(ReadOnlySpan<byte> utf8)
    {
        for (var k = 0; k < count; k++)
        {
            var slot = (next - 1 - k + capacity) % capacity;
            if (utf8.SequenceEqual(keys[slot])) return values[slot];
        }
        var value = Encoding.UTF8.GetString(utf8);
        keys[next] = utf8.ToArray();
        values[next] = value;
        next = (next + 1) % capacity;
        count = Math.Min(count + 1, capacity);
        return value;
    }
}
