namespace Cam.Datasets;

public sealed class UnsafePathException(string message) : Exception(message);

/// <summary>
/// A folder every path handed to it must resolve under. Paths that escape it — by <c>..</c>, as absolute paths
/// elsewhere, or through a symbolic link pointing outside — and link loops are refused with an
/// <see cref="UnsafePathException"/>; <see cref="Resolve(string, string)"/> gives the canonical path to open.
/// </summary>
public class ConfinedRoot
{
    private readonly string name;

    /// <param name="root">The folder (itself it may be reached through links).</param>
    /// <param name="name">How errors name it: "data root", "model root", "model package".</param>
    public ConfinedRoot(string root, string name)
    {
        this.name = name;
        FullPath = CanonicalPath.Of(root);
    }

    /// <summary>The root, canonical.</summary>
    public string FullPath { get; }

    /// <summary>The canonical path of <paramref name="relative"/> (relative to the root).</summary>
    public string Resolve(string relative) => Resolve(FullPath, relative);

    /// <summary>The canonical path of <paramref name="relative"/>, relative to <paramref name="baseDir"/> (itself relative to the root, or
    /// absolute).</summary>
    public string Resolve(string baseDir, string relative)
    {
        if (string.IsNullOrWhiteSpace(relative)) throw new UnsafePathException("empty path");
        var shown = StorableText.Escape(relative);
        if (StorableText.Problem(relative) is { } problem) throw new UnsafePathException($"path '{shown}' {problem}");
        var full = Path.GetFullPath(Path.Combine(Path.Combine(FullPath, baseDir), relative));
        if (!IsUnder(full)) throw new UnsafePathException($"path '{shown}' resolves outside the {name}");
        string real;
        try
        {
            real = CanonicalPath.Of(full);
        }
        catch (UnsafePathException e)
        {
            throw new UnsafePathException($"path '{shown}': {e.Message}");
        }
        if (!IsUnder(real)) throw new UnsafePathException($"path '{shown}' leads outside the {name} through a symbolic link");
        return real;
    }

    public bool IsUnder(string path) =>
        path == FullPath || path.StartsWith(FullPath.EndsWith(Path.DirectorySeparatorChar) ? FullPath : FullPath + Path.DirectorySeparatorChar,
            StringComparison.Ordinal);
}
