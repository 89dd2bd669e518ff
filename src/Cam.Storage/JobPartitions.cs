using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Cam.Storage;

/// <summary>
/// PostgreSQL's per-job partitions (migration JobPartitions): created when a job is stored, dropped when it is
/// deleted. Partition names are the parent's and the job id's hex digits, <c>results_0f3a…</c>.
/// </summary>
public static class JobPartitions
{
    /// <summary>The tables partitioned by job, children before the parents they would reference.</summary>
    public static readonly IReadOnlyList<string> Tables = ["results", "item_errors", "items", "shards"];

    public static string Name(string table, Guid jobId) => $"{table}_{jobId:N}";

    /// <summary>Creates the job's partitions, in the caller's transaction (with the job's row).</summary>
    public static Task CreateAsync(CamDbContext db, Guid jobId, CancellationToken ct) =>
        db.Database.ExecuteSqlAsync($"SELECT cam_create_job_partitions({jobId})", ct);

    /// <summary>A try's wait for the parent's lock: other jobs' writers wait at most that long behind it.</summary>
    public static readonly TimeSpan LockTimeout = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How long one try waits for the partition's own lock: longer than PostgreSQL's <c>deadlock_timeout</c> (1 s by
    /// default), after which a waiting lock cancels an autovacuum of the partition (a fresh job's partitions are
    /// vacuumed after their bulk load). Only statements that touch this job's partition wait meanwhile.
    /// </summary>
    public static readonly TimeSpan PartitionLockTimeout = TimeSpan.FromSeconds(2);

    /// <summary>How long a delete keeps trying before it gives up, naming the table it could not lock.</summary>
    public static readonly TimeSpan DropDeadline = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Drops each partition of the job (DROP TABLE: an unlink, whatever the rows), each in a transaction of its own:
    /// first the partition's ACCESS EXCLUSIVE lock (waiting at most <see cref="PartitionLockTimeout"/>), then the
    /// drop, which takes the same lock on the parent for the instant of the drop. While a try waits for the parent
    /// (behind another transaction that reads it) every newer lock on the parent queues behind the try, so the try
    /// waits at most <see cref="LockTimeout"/> (<c>lock_timeout</c>) and is repeated after a pause (0.1 s doubling to
    /// 2 s) until <see cref="DropDeadline"/>: other jobs' writers are held up at most that long per try. (DETACH …
    /// CONCURRENTLY takes no such lock but commits twice per table and waits for every transaction that holds any
    /// lock on the parent: slower on a busy server, docs/scale.md.) A detach left pending by an older delete is
    /// finalised first. <paramref name="lockTimedOut"/> hears of each try that timed out (the table). Returns how
    /// many partitions were dropped.
    /// </summary>
    public static async Task<int> DropAsync(CamDbContext db, Guid jobId, CancellationToken ct,
        Action<string>? lockTimedOut = null)
    {
        var dropped = 0;
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            foreach (var table in Tables)
            {
                var name = Name(table, jobId);
                await using (var state = new NpgsqlCommand(
                                 "SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = to_regclass(@name)", connection))
                {
                    state.Parameters.AddWithValue("name", name);
                    if (await state.ExecuteScalarAsync(ct) is true)
                        await ExecuteAsync(connection, $"ALTER TABLE {table} DETACH PARTITION {name} FINALIZE", ct);
                }
                await using var exists = new NpgsqlCommand("SELECT to_regclass(@name) IS NOT NULL", connection);
                exists.Parameters.AddWithValue("name", name);
                if (await exists.ExecuteScalarAsync(ct) is true)
                {
                    await DropWithRetriesAsync(connection, table, name, lockTimedOut, ct);
                    dropped++;
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
        return dropped;
    }

    private static async Task DropWithRetriesAsync(NpgsqlConnection connection, string table, string name,
        Action<string>? lockTimedOut, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + DropDeadline;
        var pause = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await using var transaction = await connection.BeginTransactionAsync(ct);
                var (own, parent) = ((int)PartitionLockTimeout.TotalMilliseconds, (int)LockTimeout.TotalMilliseconds);
                await ExecuteAsync(connection, $"SET LOCAL lock_timeout = '{own}ms'; " +
                                               $"LOCK TABLE {name} IN ACCESS EXCLUSIVE MODE; " +
                                               $"SET LOCAL lock_timeout = '{parent}ms'; DROP TABLE {name}", ct);
                await transaction.CommitAsync(ct);
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.LockNotAvailable)
            {
                lockTimedOut?.Invoke(table);
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"could not drop {name}: for {DropDeadline.TotalMinutes:F0} min " +
                                               $"another transaction held table {table} (pg_stat_activity shows " +
                                               "long transactions); the job is not deleted", e);
                await Task.Delay(pause, ct);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(2).Ticks));
            }
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }
}
