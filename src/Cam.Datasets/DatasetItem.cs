namespace Cam.Datasets;

/// <summary>A ground-truth box in pixels of the original image: x0,y0 inclusive top-left, x1,y1 exclusive bottom-right.</summary>
public readonly record struct Box(float X0, float Y0, float X1, float Y1);

/// <summary>
/// One entry of a dataset as enumerated: <see cref="Number"/> is its 0-based position in the stable order,
/// <see cref="Id"/> a stable identifier (the path relative to the data root, '/'-separated).
/// <see cref="Path"/> is as written in the source (relative to the dataset's root); it is resolved against the
/// data root only when the image is read, so that an unsafe path is an error of that item alone.
/// </summary>
public sealed record DatasetItem(
    long Number,
    string Id,
    string Path,
    string? Label,
    IReadOnlyList<Box> Boxes,
    string? Meta)
{
    /// <summary>Why the source could not describe this item (a malformed manifest row); null when it is fine.</summary>
    public string? Error { get; init; }
}

/// <summary>A dataset enumerated as a stream, in a stable order, without holding it in memory.</summary>
public interface IDatasetSource
{
    /// <summary>Folder that item paths are relative to.</summary>
    string Root { get; }

    /// <summary>Class names when the source defines them (an image folder's sub-folders); otherwise empty.</summary>
    IReadOnlyList<string> ClassNames { get; }

    IAsyncEnumerable<DatasetItem> EnumerateAsync(CancellationToken cancellationToken = default);
}
