namespace Cam.Storage.Migrations;

/// <summary>
/// When each shard's current message was published. The shard queue hands messages out in order, so a shard still
/// waiting for a claim after a later-published shard was claimed has lost its message (a worker that took it while
/// the database was away and gave up, say): the dispatcher publishes it again at once instead of waiting out the
/// queue timeout. Indexed per job by that time, for the "claimed later" lookup.
/// </summary>
[DbContext(typeof(CamDbContext)), Migration("20261211090000_ShardPublishedAt")]
public sealed class ShardPublishedAt : SqlMigration
{
    protected override string UpSql => """
        ALTER TABLE shards ADD COLUMN published_at timestamp with time zone;
        CREATE INDEX ix_shards_job_published ON shards (job_id, published_at);
        """;

    protected override string DownSql => """
        DROP INDEX ix_shards_job_published;
        ALTER TABLE shards DROP COLUMN published_at;
        """;
}
