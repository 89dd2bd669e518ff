namespace Cam.Storage.Migrations;

/// <summary>
/// Shards are claimed by the worker that runs them (its heartbeat renews the lease) and count their failed
/// attempts; jobs keep the dataset root the workers see, fixed at submission.
/// </summary>
[DbContext(typeof(CamDbContext)), Migration("20261205090000_ShardClaims")]
public sealed class ShardClaimColumns : SqlMigration
{
    protected override string UpSql => """
        ALTER TABLE shards
            ADD COLUMN claimed_by text NULL,
            ADD COLUMN failures integer NOT NULL DEFAULT 0;
        CREATE INDEX ix_shards_state_lease ON shards (state, lease_expires_at);
        ALTER TABLE jobs ADD COLUMN dataset_root text NULL;
        """;

    protected override string DownSql => """
        ALTER TABLE jobs DROP COLUMN dataset_root;
        DROP INDEX ix_shards_state_lease;
        ALTER TABLE shards DROP COLUMN claimed_by, DROP COLUMN failures;
        """;
}
