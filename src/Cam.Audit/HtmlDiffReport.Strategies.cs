using System.Text;

namespace Cam.Audit;

public static partial class HtmlDiffReport
{
    /// <summary>Flagged strategies that appeared (new in B), vanished (gone) or stayed (kept), when the diff was asked for them.</summary>
    private static void Strategies(StringBuilder html, DiffSummary diff)
    {
        if (diff.Strategies is not { } changes) return;
        html.Append("<section id=\"strategies\"><h2>Strategies</h2>");
        if (changes.Count == 0) html.Append("<p class=\"ok\">Neither job has a flagged strategy.</p>");
        foreach (var c in changes)
            html.Append($"<p class=\"{(c.Change == "new" ? "warning" : "note")}\" data-strategy-change=\"{E(c.Change)}\">{E(c.Change)} in B — " +
                        $"{E(c.Method)} '{E(c.Label)}' cluster #{c.Cluster} ({c.Size} maps, {c.Share.ToString("P0", Invariant)} of the class" +
                        (c.Similarity is { } r
                            ? $"; mean map r = {r.ToString("F2", Invariant)} with the other job's closest flagged cluster"
                            : "") + "): " +
                        $"{E(c.Reason)}</p>");
        html.Append("<p class=\"note\">A flagged cluster is the same strategy in both jobs when the Pearson correlation of their mean maps reaches " +
                    $"{Cam.Audit.Strategies.StrategyDiff.MinSimilarity.ToString("F1", Invariant)}.</p></section>\n");
    }
}
