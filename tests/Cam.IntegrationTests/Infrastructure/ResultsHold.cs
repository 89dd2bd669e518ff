using Npgsql;

namespace Cam.IntegrationTests.Infrastructure;

/// <summary>
/// Holds back the results of some items: while it lives, a worker that stores a result of one of them waits (a
/// trigger on <c>results</c> takes an advisory lock this session holds), so the worker is stuck in that shard until it
/// is killed, however fast it explains. Disposing drops the trigger, ends the sessions still waiting on the lock (the
/// killed workers'), and releases it.
/// </summary>
public sealed class ResultsHold : IAsyncDisposable
{
    private const long LockKey = 4207;
    private readonly NpgsqlConnection holder;

    private ResultsHold(NpgsqlConnection holder) => this.holder = holder;

    /// <summary>Holds back the results of items <paramref name="firstItem"/> to <paramref name="lastItem"/> (of any job).</summary>
    public static async Task<ResultsHold> StartAsync(PostgresService postgres, long firstItem, long lastItem)
    {
        var holder = await postgres.OpenAsync();
        await ExecuteAsync(holder, $"SELECT pg_advisory_lock({LockKey})");
        await ExecuteAsync(holder, $"""
            CREATE OR REPLACE FUNCTION cam_test_hold_results() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.item_number BETWEEN {firstItem} AND {lastItem} THEN PERFORM pg_advisory_xact_lock({LockKey}); END IF;
                RETURN NEW;
            END $$;
            DROP TRIGGER IF EXISTS cam_test_hold_results ON results;
            CREATE TRIGGER cam_test_hold_results BEFORE INSERT ON results FOR EACH ROW EXECUTE FUNCTION cam_test_hold_results();
            """);
        return new ResultsHold(holder);
    }

    /// <summary>Ends the database sessions waiting on the hold: those of workers killed while stuck in it.</summary>
    public Task EndWaitingSessionsAsync() => ExecuteAsync(holder,
        $"SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = {LockKey} AND NOT granted");

    public async ValueTask DisposeAsync()
    {
        await ExecuteAsync(holder, "DROP TRIGGER IF EXISTS cam_test_hold_results ON results; DROP FUNCTION IF EXISTS cam_test_hold_results()");
        await EndWaitingSessionsAsync();
        await ExecuteAsync(holder, $"SELECT pg_advisory_unlock({LockKey})");
        await holder.DisposeAsync();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
