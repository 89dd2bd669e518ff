using System.Text;

namespace Cam.Datasets;

/// <summary>
/// Text from a dataset as it may be stored and shown: PostgreSQL text cannot hold NUL and a strict UTF-8 encoder
/// refuses lone surrogates, so both are written as escapes (<c>\0</c>, <c>\uD800</c>), and overlong text is cut.
/// </summary>
public static class StorableText
{
    /// <summary>Whether <paramref name="text"/> can be stored as it is (no NUL, no lone surrogate).</summary>
    public static bool IsStorable(string text) => Problem(text) is null;

    /// <summary>What makes <paramref name="text"/> unstorable, or null.</summary>
    public static string? Problem(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0') return "contains a NUL character";
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(c)) return "contains invalid Unicode (a lone surrogate)";
        }
        return null;
    }

    /// <summary><paramref name="text"/> with NUL and lone surrogates escaped, cut after about <paramref name="maxLength"/> characters (then ending in
    /// '…').</summary>
    public static string Escape(string text, int maxLength = 1024)
    {
        if (IsStorable(text) && text.Length <= maxLength) return text;
        var escaped = new StringBuilder(Math.Min(text.Length, maxLength) + 8);
        var i = 0;
        for (; i < text.Length && escaped.Length < maxLength; i++)
        {
            var c = text[i];
            if (c == '\0') escaped.Append("\\0");
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) escaped.Append(c).Append(text[++i]);
            else if (char.IsSurrogate(c)) escaped.Append($"\\u{(int)c:X4}");
            else escaped.Append(c);
        }
        return i < text.Length ? escaped.Append('…').ToString() : escaped.ToString();
    }
}
