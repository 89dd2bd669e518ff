using System.Text.Json;

namespace Cam.Export;

/// <summary>
/// The values of the common meta keys for the current item, as text (strings unquoted, anything else as its JSON,
/// as the audit's <c>--by</c> reads them). Rows come by item, so each item's meta is parsed once.
/// </summary>
internal sealed class MetaValues(IReadOnlyList<string> keys)
{
    private long item = -1;
    private string?[] values = new string?[keys.Count];

    public string?[] Of(long itemNumber, string? meta)
    {
        if (keys.Count == 0 || itemNumber == item) return values;
        item = itemNumber;
        values = new string?[keys.Count];
        if (meta is null) return values;
        using var document = JsonDocument.Parse(meta);
        if (document.RootElement.ValueKind != JsonValueKind.Object) return values;
        for (var k = 0; k < keys.Count; k++)
            if (document.RootElement.TryGetProperty(keys[k], out var value))
                values[k] = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Null => null,
                    _ => value.GetRawText(),
                };
        return values;
    }
}
