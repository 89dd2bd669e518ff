namespace Cam.Datasets;

/// <summary>
/// A path with every symbolic link along it resolved, as <c>realpath(3)</c> does but without requiring the last
/// components to exist: iteratively, with one hop limit for the whole path (Linux's 40), so that a link loop is
/// an <see cref="UnsafePathException"/> and never a deep recursion.
/// </summary>
public static class CanonicalPath
{
    public const int MaxHops = 40;

    public static string Of(string path, int maxHops = MaxHops)
    {
        var full = Path.GetFullPath(path);
        var current = Path.GetPathRoot(full)!;
        var pending = new Stack<string>();
        Push(pending, full[current.Length..]);
        var hops = 0;
        while (pending.TryPop(out var part))
        {
            if (part is "" or ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? current;
                continue;
            }
            var next = Path.Combine(current, part);
            var target = LinkTarget(next);
            if (target is null)
            {
                current = next;
                continue;
            }
            if (++hops > maxHops) throw new UnsafePathException($"too many levels of symbolic links (more than {maxHops}; a loop?)");
            Push(pending, target);
            if (Path.IsPathRooted(target)) current = Path.GetPathRoot(target)!;
        }
        return current;
    }

    /// <summary>Pushes the components of <paramref name="relative"/> so that the first one is popped first.</summary>
    private static void Push(Stack<string> pending, string relative)
    {
        var parts = relative.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
    }

    /// <summary>Where the link at <paramref name="path"/> points (as written in it), or null when it is no link or does not exist.</summary>
    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new UnsafePathException($"'{Path.GetFileName(path)}' cannot be inspected: {e.Message}");
        }
    }
}
