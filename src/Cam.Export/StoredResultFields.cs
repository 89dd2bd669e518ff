using System.Data.Common;

namespace Cam.Export;

/// <summary>
/// A stored result's fields from <c>method</c> to <c>map_width</c>, numbered from 0 in this order: method, layer,
/// class_index, class_rank, score, probability, predicted_class, label_class, peak_y, peak_x, energy, pointing_hit,
/// energy_in_box, average_drop, increase_in_confidence, deletion_area, insertion_area, metrics, map_height, map_width.
/// Both readers (SQLite's query, PostgreSQL's COPY) select them so, after columns of their own.
/// </summary>
internal interface IStoredResultFields
{
    bool IsNull(int field);
    int Int32(int field);
    float Single(int field);
    bool Boolean(int field);
    /// <summary>method (0), layer (1) or metrics (17).</summary>
    string Text(int field);
}

internal static class StoredResultFields
{
    /// <summary>
    /// Fills <paramref name="row"/>'s result values from the fields (predicted_class −1: unknown, null).
    /// </summary>
    public static void Fill<T>(ResultRecord row, T r) where T : IStoredResultFields
    {
        row.Method = r.Text(0);
        row.Layer = r.Text(1);
        row.ClassIndex = r.Int32(2);
        row.Rank = r.Int32(3);
        row.Score = r.Single(4);
        row.Probability = r.Single(5);
        var predicted = r.Int32(6);
        row.PredictedClass = predicted < 0 ? null : predicted;
        row.LabelClass = r.IsNull(7) ? null : r.Int32(7);
        row.PeakY = r.Int32(8);
        row.PeakX = r.Int32(9);
        row.Energy = r.Single(10);
        row.PointingHit = r.IsNull(11) ? null : r.Boolean(11);
        row.EnergyInBox = r.IsNull(12) ? null : r.Single(12);
        row.AverageDrop = r.IsNull(13) ? null : r.Single(13);
        row.IncreaseInConfidence = r.IsNull(14) ? null : r.Boolean(14);
        row.DeletionArea = r.IsNull(15) ? null : r.Single(15);
        row.InsertionArea = r.IsNull(16) ? null : r.Single(16);
        row.Metrics = r.IsNull(17) ? null : r.Text(17);
        row.MapHeight = r.Int32(18);
        row.MapWidth = r.Int32(19);
    }
}

/// <summary>The fields in an ADO.NET row whose column <paramref name="first"/> is <c>method</c>.</summary>
internal readonly struct ReaderResultFields(DbDataReader reader, int first) : IStoredResultFields
{
    public bool IsNull(int field) => reader.IsDBNull(first + field);
    public int Int32(int field) => reader.GetInt32(first + field);
    public float Single(int field) => reader.GetFloat(first + field);
    public bool Boolean(int field) => reader.GetBoolean(first + field);
    public string Text(int field) => reader.GetString(first + field);
}

/// <summary>
/// The fields in a binary COPY row whose field 1 is <c>method</c>; method, layer and metrics decoded through their
/// caches (<see cref="Utf8Strings"/>).
/// </summary>
internal readonly struct CopyResultFields(PgCopyRows rows, Utf8Strings methods, Utf8Strings layers, Utf8Strings metrics)
    : IStoredResultFields
{
    public bool IsNull(int field) => rows.IsNull(field + 1);
    public int Int32(int field) => rows.Int32(field + 1);
    public float Single(int field) => rows.Single(field + 1);
    public bool Boolean(int field) => rows.Boolean(field + 1);
    public string Text(int field) =>
        (field switch { 0 => methods, 1 => layers, _ => metrics }).Get(rows.Bytes(field + 1));
}
