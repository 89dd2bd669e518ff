namespace Cam.Storage.Migrations;

/// <summary>
/// <c>lease_expires_at</c> meant two things: for a published shard the moment to be claimed before, for a running one
/// its worker's lease. The first becomes <c>claim_deadline</c>: published shards carry their value over (their
/// <c>lease_expires_at</c> cleared), running shards keep their lease. Indexed by state like the lease, for the
/// dispatcher's "not claimed in time" lookup.
/// </summary>
[DbContext(typeof(CamDbContext)), Migration("20261212090000_ShardClaimDeadline")]
public sealed class ShardClaimDeadline : SqlMigration
{
    protected override string UpSql => """
        ALTER TABLE shards ADD COLUMN claim_deadline timestamp with time zone;
        UPDATE shards SET claim_deadline = lease_expires_at, lease_expires_at = NULL WHERE state = 'published';
        CREATE INDEX ix_shards_state_claim_deadline ON shards (state, claim_deadline);
        """;

    protected override string DownSql => """
        UPDATE shards SET lease_expires_at = claim_deadline WHERE state = 'published';
        DROP INDEX ix_shards_state_claim_deadline;
        ALTER TABLE shards DROP COLUMN claim_deadline;
        """;
}
