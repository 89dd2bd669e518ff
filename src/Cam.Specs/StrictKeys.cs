using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cam.Specs;

/// <summary>
/// Finds the keys of a JSON document that the type it is read into does not have (System.Text.Json would skip them
/// silently, and a misspelt key would leave its default in place): <c>unknown key 'resizeShoter' in preprocess (did
/// you mean 'resizeShorter'?)</c>, one message per key, nested objects and lists of objects included. Keys are
/// matched as the web defaults read them (camelCase, case-insensitive); the known keys of a type are its public
/// properties, less those marked <see cref="JsonIgnoreAttribute"/>.
/// </summary>
public static class StrictKeys
{
    private static readonly ConcurrentDictionary<Type, Dictionary<string, (string Name, Type Type)>> Known = new();

    /// <summary>The unknown keys of <paramref name="json"/> read as <typeparamref name="T"/>; <paramref name="where"/> names the top level.</summary>
    public static IReadOnlyList<string> Find<T>(JsonElement json, string where)
    {
        var problems = new List<string>();
        Walk(json, typeof(T), where, null, problems);
        return problems;
    }

    /// <summary>All the problems in one sentence, or null when there are none.</summary>
    public static string? Describe<T>(JsonElement json, string where)
    {
        var problems = Find<T>(json, where);
        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    /// <param name="path">Where a nested value lies (<c>outputs[0].tokens</c>); null at the top level.</param>
    private static void Walk(JsonElement json, Type type, string where, string? path, List<string> problems)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (json.ValueKind == JsonValueKind.Array && ElementType(type) is { } element)
        {
            var i = 0;
            foreach (var item in json.EnumerateArray())
            {
                var at = $"{path ?? where}[{i++}]";
                Walk(item, element, at, at, problems);
            }
            return;
        }
        if (json.ValueKind != JsonValueKind.Object || !IsOurs(type)) return;
        var known = Known.GetOrAdd(type, Properties);
        foreach (var property in json.EnumerateObject())
        {
            if (known.TryGetValue(property.Name, out var target))
            {
                var at = path is null ? target.Name : $"{path}.{target.Name}";
                Walk(property.Value, target.Type, at, at, problems);
                continue;
            }
            var closest = Closest(property.Name, known.Values.Select(k => k.Name));
            problems.Add($"unknown key '{property.Name}' in {where}" + (closest is null ? "" : $" (did you mean '{closest}'?)"));
        }
    }

    private static Dictionary<string, (string Name, Type Type)> Properties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is not { Condition: JsonIgnoreCondition.Always })
            .Where(p => p.GetIndexParameters().Length == 0)
            .ToDictionary(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name),
                p => (p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name), p.PropertyType),
                StringComparer.OrdinalIgnoreCase);

    private static bool IsOurs(Type type) => type.IsClass && type != typeof(string) && type.Namespace?.StartsWith("Cam.") == true;

    private static Type? ElementType(Type type)
    {
        if (type.IsArray) return type.GetElementType();
        if (type.IsGenericType && type.GetGenericArguments() is [var argument]
            && typeof(System.Collections.IEnumerable).IsAssignableFrom(type)) return argument;
        return null;
    }

    /// <summary>The known key nearest to <paramref name="key"/> by edit distance, if it is near enough to be a typo.</summary>
    public static string? Closest(string key, IEnumerable<string> known)
    {
        var best = known.Select(k => (k, d: Distance(key.ToLowerInvariant(), k.ToLowerInvariant()))).OrderBy(p => p.d).FirstOrDefault();
        return best.k is not null && best.d <= Math.Max(2, key.Length / 3) ? best.k : null;
    }

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }
}
