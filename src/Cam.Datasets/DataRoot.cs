namespace Cam.Datasets;

public sealed class UnsafePathException(string message) : Exception(message);

/// <summary>
/// The folder every dataset path must resolve under (<c>CAM_DATA_ROOT</c>). Paths that escape it — by <c>..</c>,
/// as absolute paths elsewhere, or through a symbolic link pointing outside — are refused, item by item.
/// </summary>
public sealed class DataRoot
{
    public DataRoot(string root)
    {
        Path_ = Canonical(Path.GetFullPath(root));
    }

    public string Path_ { get; }

    /// <summary>The full path of <paramref name="itemPath"/> (relative to <paramref name="datasetRoot"/>, itself under the root).</summary>
    public string Resolve(string datasetRoot, string itemPath)
    {
        if (string.IsNullOrWhiteSpace(itemPath)) throw new UnsafePathException("empty path");
        if (itemPath.Contains('\0')) throw new UnsafePathException($"path '{itemPath.Replace("\0", "\\0")}' contains a NUL character");
        var baseDir = Path.IsPathRooted(datasetRoot) ? datasetRoot : Path.Combine(Path_, datasetRoot);
        var full = Path.GetFullPath(Path.Combine(baseDir, itemPath));
        if (!IsUnder(full)) throw new UnsafePathException($"path '{itemPath}' resolves outside the data root");
        var real = Canonical(full);
        if (!IsUnder(real)) throw new UnsafePathException($"path '{itemPath}' leads outside the data root through a symbolic link");
        return real;
    }

    private bool IsUnder(string path) =>
        path == Path_ || path.StartsWith(Path_.EndsWith(Path.DirectorySeparatorChar) ? Path_ : Path_ + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    /// <summary>The path with every symbolic link along it resolved (components that do not exist are kept as they are).</summary>
    private static string Canonical(string path)
    {
        var root = Path.GetPathRoot(path)!;
        var current = root;
        foreach (var part in path[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Combine(current, part);
            for (var hops = 0; hops < 40; hops++)
            {
                FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
                if (!info.Exists || info.LinkTarget is null) break;
                next = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(next)!, info.LinkTarget));
                next = Canonical(next);
            }
            current = next;
        }
        return current;
    }
}
