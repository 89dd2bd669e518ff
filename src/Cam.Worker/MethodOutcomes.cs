using System.Runtime.InteropServices;
using Cam.Engine.Batches;
using static TorchSharp.torch;

namespace Cam.Worker;

/// <summary>One image's outcome for one method: its maps, or why the method failed on it.</summary>
public sealed record MethodOutcome(IReadOnlyList<MapResult>? Results, string? Error);

/// <summary>
/// Runs one method over a batch so that its failure costs neither the other methods nor the other images: when the
/// method fails on the batch, it runs again image by image, and only the images it fails on alone get an error.
/// </summary>
public static class MethodOutcomes
{
    public static IEnumerable<(int Index, MethodOutcome Outcome)> Explain(BatchExplainer explainer, Tensor input, BatchRequest request)
    {
        var n = (int)input.shape[0];
        var whole = Try(explainer, input, request);
        if (whole.Results is not null)
        {
            foreach (var group in whole.Results.GroupBy(r => r.ImageIndex)) yield return (group.Key, new MethodOutcome(group.ToList(), null));
            yield break;
        }
        if (n == 1)
        {
            yield return (0, whole);
            yield break;
        }
        for (var i = 0; i < n; i++)
        {
            using var one = input[i..(i + 1)];
            var single = Try(explainer, one, Single(request, i));
            yield return (i, single.Results is null ? single : new MethodOutcome(single.Results.Select(r => r with { ImageIndex = i }).ToList(),
                null));
        }
    }

    private static MethodOutcome Try(BatchExplainer explainer, Tensor input, BatchRequest request)
    {
        try
        {
            return new MethodOutcome(explainer.Explain(input, request), null);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or ExternalException)
        {
            return new MethodOutcome(null, e.Message.Split('\n')[0]);
        }
    }

    /// <summary>The request for image <paramref name="i"/> alone: its classes, boxes and item key.</summary>
    private static BatchRequest Single(BatchRequest request, int i) => request with
    {
        Classes = request.Classes.ForImage(i),
        Boxes = request.Boxes is null ? null : [request.Boxes[i]],
        ItemKeys = request.ItemKeys is null ? [i] : [request.ItemKeys[i]],
    };
}
