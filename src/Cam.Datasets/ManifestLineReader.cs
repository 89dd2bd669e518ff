using System.Text;

namespace Cam.Datasets;

/// <summary>One line of a manifest, or the news that it was longer than the limit (its text is then dropped).</summary>
internal readonly record struct ManifestLine(int Number, string Text, bool TooLong);

/// <summary>
/// Reads lines (ended by \n, \r\n or \r) like <see cref="TextReader.ReadLineAsync()"/>, but never holds more than
/// <c>maxChars</c> of one line: a manifest of one endless line cannot exhaust the scheduler's memory.
/// </summary>
internal sealed class ManifestLineReader(TextReader reader, int maxChars)
{
    private readonly char[] buffer = new char[16 * 1024];
    private readonly StringBuilder line = new();
    private int position;
    private int length;
    private int number;
    private bool pendingCarriageReturn;

    public async ValueTask<ManifestLine?> ReadAsync(CancellationToken ct)
    {
        line.Clear();
        var tooLong = false;
        var any = false;
        while (true)
        {
            if (position == length)
            {
                length = await reader.ReadAsync(buffer.AsMemory(), ct);
                position = 0;
                if (length == 0) return any ? End(tooLong) : null;
            }
            if (pendingCarriageReturn)
            {
                pendingCarriageReturn = false;
                if (buffer[position] == '\n') position++;
                continue;
            }
            any = true;
            var rest = buffer.AsSpan(position, length - position);
            var end = rest.IndexOfAny('\n', '\r');
            var text = end < 0 ? rest : rest[..end];
            if (!tooLong && line.Length + text.Length <= maxChars) line.Append(text);
            else
            {
                tooLong = true;
                line.Clear();
            }
            position += text.Length;
            if (end < 0) continue;
            pendingCarriageReturn = buffer[position] == '\r';
            position++;
            return End(tooLong);
        }
    }

    private ManifestLine End(bool tooLong) => new(++number, line.ToString(), tooLong);
}
