using System.Globalization;

namespace Cam.Contracts;

/// <summary>
/// Reads the CAM_* settings of a process (docs/conventions.md) once, at start-up: an unset value takes its default,
/// a value that is set but malformed stops the process with the variable's name, rather than silently becoming
/// the default.
/// </summary>
public sealed class SettingValues(Func<string, string?> lookup)
{
    public string? Text(string name) => lookup(name) is { Length: > 0 } value ? value.Trim() : null;

    /// <summary>A folder; the working directory when unset.</summary>
    public string Folder(string name) => Text(name) ?? Directory.GetCurrentDirectory();

    public string Required(string name) => Text(name) ?? throw new InvalidSettingException($"{name} is not set (see docs/conventions.md)");

    public int PositiveInt(string name, int fallback) => (int)PositiveLong(name, fallback, int.MaxValue);

    public long PositiveLong(string name, long fallback, long max = long.MaxValue) =>
        Text(name) is not { } text ? fallback
        : long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 && value <= max ? value
        : throw new InvalidSettingException($"{name}: '{text}' is not a whole number from 1 to {max}");

    public TimeSpan Seconds(string name, int fallbackSeconds) => TimeSpan.FromSeconds(PositiveInt(name, fallbackSeconds));

    /// <summary>Seconds, where zero is allowed (it turns something off).</summary>
    public TimeSpan NonNegativeSeconds(string name, double fallbackSeconds) =>
        Text(name) is not { } text ? TimeSpan.FromSeconds(fallbackSeconds)
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0
            && value <= 86_400 ? TimeSpan.FromSeconds(value)
        : throw new InvalidSettingException($"{name}: '{text}' is not a number of seconds from 0 to 86400");

    /// <summary>An absolute URI with one of <paramref name="schemes"/> (amqp://…, http://…); null when unset.</summary>
    public Uri? AbsoluteUri(string name, params string[] schemes) =>
        Text(name) is not { } text ? null
        : Uri.TryCreate(text, UriKind.Absolute, out var uri) && schemes.Contains(uri.Scheme) && uri.Host.Length > 0 ? uri
        : throw new InvalidSettingException($"{name}: '{text}' is not an absolute {string.Join(" or ", schemes.Select(s => s + "://"))} URI");

    public bool Flag(string name, bool fallback = false) => Text(name)?.ToLowerInvariant() switch
    {
        null => fallback,
        "1" or "true" => true,
        "0" or "false" => false,
        var text => throw new InvalidSettingException($"{name}: '{text}' is not true or false"),
    };
}

/// <summary>A setting that is missing or malformed; its message names the variable.</summary>
public sealed class InvalidSettingException(string message) : ArgumentException(message);
