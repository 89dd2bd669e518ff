namespace Cam.Datasets;

/// <summary>
/// What an item must satisfy before it is stored and sent to a worker: a path and label that can be stored as text,
/// and boxes that are finite, ordered and in pixel range (their JSON must be writable). A fault is the item's error.
/// </summary>
public static class ItemChecks
{
    /// <summary>Linux's PATH_MAX.</summary>
    public const int MaxPathLength = 4096;
    public const int MaxLabelLength = 1024;
    public const int MaxBoxes = 1000;
    /// <summary>2^24: beyond it a float no longer holds every integer pixel position.</summary>
    public const float MaxCoordinate = 16_777_216f;

    /// <summary>The reason <paramref name="path"/> cannot be an item's path, or null.</summary>
    public static string? PathProblem(string path)
    {
        if (string.IsNullOrWhiteSpace(path)) return "empty path";
        if (path.Length > MaxPathLength) return $"path '{StorableText.Escape(path, 64)}' is longer than {MaxPathLength} characters";
        return StorableText.Problem(path) is { } problem ? $"path '{StorableText.Escape(path)}' {problem}" : null;
    }

    public static string? LabelProblem(string? label)
    {
        if (label is null) return null;
        if (label.Length > MaxLabelLength) return $"label '{StorableText.Escape(label, 64)}' is longer than {MaxLabelLength} characters";
        return StorableText.Problem(label) is { } problem ? $"label '{StorableText.Escape(label)}' {problem}" : null;
    }

    /// <summary>A box from four coordinates, or why it is not one: each finite and within [0, 2^24], x0 &lt; x1, y0 &lt; y1.</summary>
    public static Box ToBox(IReadOnlyList<double> c)
    {
        if (c.Count != 4) throw new FormatException("a box needs 4 numbers");
        var text = string.Join(",", c.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        if (c.Any(v => !double.IsFinite(v))) throw new FormatException($"box ({text}) has a coordinate that is not a finite number");
        if (c.Any(v => v is < 0 or > MaxCoordinate)) throw new FormatException($"box ({text}) has a coordinate outside [0, {MaxCoordinate}]");
        var box = new Box((float)c[0], (float)c[1], (float)c[2], (float)c[3]);
        if (box.X1 <= box.X0 || box.Y1 <= box.Y0) throw new FormatException($"box ({text}) is empty or reversed (it needs x0 < x1 and y0 < y1)");
        return box;
    }
}
