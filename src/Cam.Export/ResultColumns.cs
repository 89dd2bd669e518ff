using Cam.Storage;

namespace Cam.Export;

/// <summary>The columns of <c>results</c> and <c>item_errors</c>, in order (docs/export.md lists them).</summary>
public static class ResultColumns
{
    public static IReadOnlyList<ExportColumn<ResultRecord>> For(IReadOnlyList<string> metaKeys, MapExport maps)
    {
        var columns = new List<ExportColumn<ResultRecord>>
        {
            ExportColumns.Of<ResultRecord, long>("item", r => r.Item),
            ExportColumns.Text<ResultRecord>("path", r => r.Path, nullable: false),
            ExportColumns.Text<ResultRecord>("label", r => r.Label),
            ExportColumns.Text<ResultRecord>("meta", r => r.Meta),
        };
        var names = new HashSet<string>(Fixed);
        for (var k = 0; k < metaKeys.Count; k++)
        {
            var index = k;
            columns.Add(ExportColumns.Text<ResultRecord>(MetaColumnName(metaKeys[k], names), r => r.MetaValues[index]));
        }
        columns.AddRange(
        [
            ExportColumns.Text<ResultRecord>("method", r => r.Method, nullable: false),
            ExportColumns.Text<ResultRecord>("layer", r => r.Layer, nullable: false),
            ExportColumns.Of<ResultRecord, int>("class_index", r => r.ClassIndex),
            ExportColumns.Text<ResultRecord>("class_name", r => r.ClassName),
            ExportColumns.Of<ResultRecord, int>("rank", r => r.Rank),
            ExportColumns.Of<ResultRecord, float>("score", r => r.Score),
            ExportColumns.Of<ResultRecord, float>("probability", r => r.Probability),
            ExportColumns.Of<ResultRecord, int>("predicted_class", r => r.PredictedClass),
            ExportColumns.Of<ResultRecord, int>("label_class", r => r.LabelClass),
            ExportColumns.Of<ResultRecord, int>("peak_y", r => r.PeakY),
            ExportColumns.Of<ResultRecord, int>("peak_x", r => r.PeakX),
            ExportColumns.Of<ResultRecord, float>("energy", r => r.Energy),
            ExportColumns.Of<ResultRecord, bool>("pointing_hit", r => r.PointingHit),
            ExportColumns.Of<ResultRecord, float>("energy_in_box", r => r.EnergyInBox),
            ExportColumns.Of<ResultRecord, float>("average_drop", r => r.AverageDrop),
            ExportColumns.Of<ResultRecord, bool>("increase_in_confidence", r => r.IncreaseInConfidence),
            ExportColumns.Of<ResultRecord, float>("deletion_area", r => r.DeletionArea),
            ExportColumns.Of<ResultRecord, float>("insertion_area", r => r.InsertionArea),
            ExportColumns.Text<ResultRecord>("metrics", r => r.Metrics),
            ExportColumns.Of<ResultRecord, int>("map_height", r => r.MapHeight),
            ExportColumns.Of<ResultRecord, int>("map_width", r => r.MapWidth),
        ]);
        if (maps == MapExport.Values)
            columns.Add(ExportColumns.FloatList<ResultRecord>("map", r => MapCodec.ValueCount(r.Map.Span),
                (r, values) => MapCodec.DecodeInto(r.Map.Span, values)));
        else if (maps == MapExport.Png)
            columns.Add(ExportColumns.Text<ResultRecord>("map_png", r => r.MapPng, nullable: false));
        return columns;
    }

    public static IReadOnlyList<ExportColumn<ErrorRecord>> Errors() =>
    [
        ExportColumns.Of<ErrorRecord, long>("item", e => e.Item),
        ExportColumns.Text<ErrorRecord>("stage", e => e.Stage, nullable: false),
        ExportColumns.Text<ErrorRecord>("method", e => e.Method),
        ExportColumns.Text<ErrorRecord>("message", e => e.Message, nullable: false),
        ExportColumns.Of<ErrorRecord, DateTime>("at", e => e.At),
    ];

    private static readonly string[] Fixed =
    [
        "item", "path", "label", "meta", "method", "layer", "class_index", "class_name", "rank", "score", "probability",
        "predicted_class", "label_class", "peak_y", "peak_x", "energy", "pointing_hit", "energy_in_box", "average_drop",
        "increase_in_confidence", "deletion_area", "insertion_area", "metrics", "map_height", "map_width", "map", "map_png",
    ];

    /// <summary>
    /// <c>meta_</c> and the key with every character other than a letter, a digit or '_' as '_' (DuckDB, pandas and
    /// Spark then need no quoting); a name taken already gets <c>_2</c>, <c>_3</c>….
    /// </summary>
    public static string MetaColumnName(string key, ISet<string> taken)
    {
        var name = "meta_" + new string(key.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray());
        var unique = name;
        for (var n = 2; !taken.Add(unique); n++) unique = $"{name}_{n}";
        return unique;
    }
}
