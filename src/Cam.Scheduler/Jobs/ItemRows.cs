using Cam.Contracts;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cam.Datasets;
using Cam.Storage.Entities;

namespace Cam.Scheduler.Jobs;

/// <summary>
/// Turns an enumerated item into the row stored for it. Whatever the source handed over, the row can be stored:
/// text PostgreSQL cannot hold (a NUL character, broken Unicode) is escaped and makes the item an error, and boxes
/// that cannot be written as JSON make it an error too. Problems stay with their item.
/// </summary>
public static class ItemRows
{
    /// <summary>The row, and the item's error (the source's, or one found here), or null.</summary>
    public static (ItemRow Row, string? Error) From(Guid jobId, int shardNumber, DatasetItem item)
    {
        var error = item.Error is null ? null : Storable(item.Error, out _);
        var path = Storable(item.Path, out var pathProblem);
        error ??= pathProblem is null ? null : $"path '{path}' {pathProblem}";
        var label = item.Label is null ? null : Storable(item.Label, out _);
        string? boxes = null;
        if (item.Boxes.Count > 0)
        {
            if (item.Boxes.Any(b => !float.IsFinite(b.X0) || !float.IsFinite(b.Y0) || !float.IsFinite(b.X1) || !float.IsFinite(b.Y1)))
                error ??= "a box has a coordinate that is not a finite number";
            else
                boxes = JsonSerializer.Serialize(item.Boxes.Select(b => new[] { b.X0, b.Y0, b.X1, b.Y1 }));
        }
        var meta = item.Meta is null ? null : Meta(Storable(item.Meta, out _), ref error);
        var row = new ItemRow
        {
            JobId = jobId, Number = item.Number, ShardNumber = shardNumber, Path = path, Label = label, Boxes = boxes, Meta = meta,
            State = error is null ? ItemState.Pending : ItemState.Failed,
        };
        return (row, error);
    }

    /// <summary>The manifest's meta as compact JSON when it is a JSON object (what audits slice by); otherwise none, and the item's error.</summary>
    private static string? Meta(string text, ref string? error)
    {
        try
        {
            // PostgreSQL's jsonb cannot hold \u0000.
            if (JsonNode.Parse(text) is JsonObject meta && meta.ToJsonString() is var json && !json.Contains("\\u0000",
                StringComparison.Ordinal)) return json;
        }
        catch (JsonException)
        {
        }
        error ??= $"meta '{StorableText.Escape(text, 64)}' is not a JSON object";
        return null;
    }

    /// <summary>
    /// <paramref name="text"/> with NUL characters written as <c>\0</c> and unpaired surrogates as U+FFFD;
    /// <paramref name="problem"/> says what was found, or is null when the text was storable as it was.
    /// </summary>
    public static string Storable(string text, out string? problem)
    {
        problem = null;
        StringBuilder? clean = null;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            string? replacement = null;
            if (c == '\0')
            {
                replacement = "\\0";
                problem ??= "contains a NUL character";
            }
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                clean?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            else if (char.IsSurrogate(c))
            {
                replacement = "\uFFFD";
                problem ??= "is not valid Unicode";
            }
            if (replacement is not null)
            {
                clean ??= new StringBuilder(text, 0, i, text.Length + 8);
                clean.Append(replacement);
            }
            else
            {
                clean?.Append(c);
            }
        }
        return clean?.ToString() ?? text;
    }
}
