using System.Text;

namespace Cam.Audit;

public static partial class HtmlReport
{
    /// <summary>
    /// The summary's row naming the items' labels the model has no class for (the accuracy leaves them out), each label
    /// as encoded text with its item count; nothing when every label is known.
    /// </summary>
    private static void UnknownLabelsRow(StringBuilder html, AuditSummary a)
    {
        if (a.UnknownLabels.Count == 0) return;
        var items = a.UnknownLabels.Sum(l => l.Items);
        var labels = string.Join(", ", a.UnknownLabels.Select(l => $"<code data-unknown-label=\"{E(l.Label)}\">{E(l.Label)}</code> ({l.Items})"));
        MarkupRow(html, "labels the model does not know", $"<span class=\"warning\">{items} items, left out of the accuracy: {labels}</span>");
    }
}
