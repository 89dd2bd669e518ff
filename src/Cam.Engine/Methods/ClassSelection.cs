using System.Text.Json;

namespace Cam.Engine.Methods;

/// <summary>
/// The classes to explain: the same K classes for every image, or K classes per image. Every image has the same
/// number of classes, so that maps stack as (N, K, h, w).
/// </summary>
public sealed class ClassSelection
{
    private readonly int[][]? perImage;
    private readonly int[]? shared;
    private readonly int? topK;

    private ClassSelection(int[]? shared, int[][]? perImage, int? topK = null)
    {
        this.shared = shared;
        this.perImage = perImage;
        this.topK = topK;
    }

    /// <summary>The same class for the whole batch (the reference's <c>class_idx=int</c>).</summary>
    public static ClassSelection ForBatch(params int[] classes) =>
        classes.Length == 0 ? throw new ArgumentException("at least one class is needed") : new(classes, null);

    /// <summary>One class per image (the reference's <c>class_idx=[...]</c>).</summary>
    public static ClassSelection OnePerImage(IReadOnlyList<int> classes) =>
        new(null, classes.Select(c => new[] { c }).ToArray());

    /// <summary>Several classes per image, the same number for each.</summary>
    public static ClassSelection PerImage(IReadOnlyList<int[]> classes)
    {
        if (classes.Count == 0 || classes[0].Length == 0) throw new ArgumentException("at least one class per image is needed");
        if (classes.Any(c => c.Length != classes[0].Length)) throw new ArgumentException("every image needs the same number of classes");
        return new(null, classes.Select(c => c.ToArray()).ToArray());
    }

    /// <summary>The top-<paramref name="k"/> classes of each image by logit, highest first.</summary>
    public static ClassSelection Top(int k) =>
        k >= 1 ? new(null, null, k) : throw new ArgumentException("top-k needs k ≥ 1");

    /// <summary>Parses an int (same class for the batch) or a JSON list (one class per image).</summary>
    public static ClassSelection Parse(string text)
    {
        text = text.Trim();
        if (int.TryParse(text, out var single)) return ForBatch(single);
        try
        {
            var list = JsonSerializer.Deserialize<int[]>(text);
            if (list is { Length: > 0 }) return OnePerImage(list);
        }
        catch (JsonException) { }
        throw new ArgumentException($"class index '{text}' is neither an integer nor a JSON list of integers");
    }

    /// <summary>The classes of image <paramref name="index"/> of a batch, as a selection for that image alone.</summary>
    public ClassSelection ForImage(int index) =>
        perImage is null ? this : new(null, [perImage[index]]);

    /// <summary>Classes per image.</summary>
    public int ClassesPerImage => topK ?? shared?.Length ?? perImage![0].Length;

    /// <summary>The (N, K) class indices for a batch, validated against the logits (N, classes).</summary>
    public long[,] Resolve(Tensor logits)
    {
        var batchSize = (int)logits.shape[0];
        var numClasses = logits.shape[1];
        if (topK is { } top)
        {
            if (top > numClasses) throw new ArgumentException($"top-{top} is not possible with {numClasses} classes");
            using var indexes = logits.topk(top, dim: 1).indexes.cpu();
            var values = indexes.data<long>().ToArray();
            var ranked = new long[batchSize, top];
            for (var n = 0; n < batchSize; n++)
                for (var j = 0; j < top; j++) ranked[n, j] = values[n * top + j];
            return ranked;
        }
        if (perImage is not null && perImage.Length != batchSize)
            throw new ArgumentException($"{perImage.Length} class indices were given for {batchSize} images");
        var k = ClassesPerImage;
        var result = new long[batchSize, k];
        for (var n = 0; n < batchSize; n++)
            for (var j = 0; j < k; j++)
            {
                var c = shared?[j] ?? perImage![n][j];
                if (c < 0 || c >= numClasses) throw new ArgumentException($"class index {c} is out of range for a model with {numClasses} classes");
                result[n, j] = c;
            }
        return result;
    }
}
