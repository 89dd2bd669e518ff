using Cam.Storage;

namespace Cam.Cli.Commands;

/// <summary>
/// A stored job, the same in <c>report</c>, <c>export</c>, <c>delete</c> and <c>diff</c>: its id, and the database that
/// holds it, <c>--db</c> (an embedded run's SQLite file) or <c>--postgres</c> (a cluster's, by default
/// <c>CAM_POSTGRES</c>); and the roots a job's relative dataset and model paths resolve against.
/// </summary>
internal static class StoreArguments
{
    public const string EmbeddedRunDb = "SQLite results database of an embedded run (cam run prints it)";

    public static Argument<Guid> Job() => new("job") { Description = "job id" };

    public static Option<string?> Db(string description = EmbeddedRunDb) => new("--db") { Description = description };

    public static Option<string?> Postgres() =>
        new("--postgres") { Description = "Npgsql connection string of a cluster's database (default: CAM_POSTGRES)" };

    /// <summary><c>--data-root</c>: the folder <paramref name="what"/> is relative to.</summary>
    public static Option<string?> DataRoot(string what) =>
        new("--data-root") { Description = $"folder {what} (default: CAM_DATA_ROOT or the current folder)" };

    /// <summary><c>--model-root</c>: the folder <paramref name="what"/> is relative to.</summary>
    public static Option<string?> ModelRoot(string what) =>
        new("--model-root") { Description = $"folder {what} (default: CAM_MODEL_ROOT or the current folder)" };

    /// <summary>The data root given, else <c>CAM_DATA_ROOT</c>, else the current folder, as a full path.</summary>
    public static string DataRootOf(ParseResult parse, Option<string?> dataRoot) =>
        Path.GetFullPath(parse.GetValue(dataRoot) ?? CliSettings.Current.DataRoot ?? ".");

    /// <summary>The model root given, else <c>CAM_MODEL_ROOT</c>, else the current folder, as a full path.</summary>
    public static string ModelRootOf(ParseResult parse, Option<string?> modelRoot) =>
        Path.GetFullPath(parse.GetValue(modelRoot) ?? CliSettings.Current.ModelRoot ?? ".");

    /// <summary>The database of <c>--db</c> (a file that exists) or <c>--postgres</c> / <c>CAM_POSTGRES</c>.</summary>
    public static StorageSettings Storage(string? db, string? postgres)
    {
        if (db is not null && postgres is not null) throw new ArgumentException("give --db or --postgres, not both");
        if (db is not null)
        {
            if (!File.Exists(db)) throw new FileNotFoundException($"database '{db}' does not exist");
            return StorageSettings.SqliteFile(db);
        }
        postgres ??= CliSettings.Current.Postgres;
        return postgres is { Length: > 0 } ? StorageSettings.Postgres(postgres)
            : throw new ArgumentException("give --db FILE (embedded run) or --postgres / CAM_POSTGRES");
    }
}
