namespace Cam.Datasets;

/// <summary>
/// <c>root/&lt;class&gt;/&lt;file&gt;</c> with the class from the folder (class names sorted ordinally, as torchvision's
/// ImageFolder), or a flat folder of images with no labels. Folders are read one at a time, and each folder's
/// files in ordinal order through an external sort (<see cref="SortedNames"/>), so that a flat folder of millions of
/// files is streamed with bounded memory.
/// </summary>
public sealed class ImageFolderSource : IDatasetSource
{
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        { ".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif" };

    private readonly SortedNames sorter;

    public ImageFolderSource(string root, int sortRunLength = SortedNames.DefaultRunLength)
    {
        sorter = new SortedNames(sortRunLength);
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"dataset folder '{root}' does not exist");
        Root = Path.GetFullPath(root);
        ClassNames = Directory.EnumerateDirectories(Root).Select(Path.GetFileName).OfType<string>()
            .Where(d => !d.StartsWith('.')).Order(StringComparer.Ordinal).ToList();
    }

    public string Root { get; }
    public IReadOnlyList<string> ClassNames { get; }

    public async IAsyncEnumerable<DatasetItem> EnumerateAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long number = 0;
        var folders = ClassNames.Count > 0 ? ClassNames.Select(c => (Folder: Path.Combine(Root, c), Label: (string?)c)) : [(Root, null)];
        foreach (var (folder, label) in folders)
        {
            var files = sorter.Sort(Directory.EnumerateFiles(folder).Where(f => Extensions.Contains(Path.GetExtension(f)))
                .Select(f => Path.GetRelativePath(Root, f).Replace('\\', '/')));
            foreach (var relative in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return new DatasetItem(number++, relative, relative, label, [], null);
            }
            await Task.Yield();
        }
    }
}
