namespace Cam.Storage.Migrations;

/// <summary>Items keep their manifest's <c>meta</c> object, so that audits slice results by its keys.</summary>
[DbContext(typeof(CamDbContext)), Migration("20261206090000_ItemMeta")]
public sealed class ItemMeta : SqlMigration
{
    protected override string UpSql => "ALTER TABLE items ADD COLUMN meta jsonb NULL;";

    protected override string DownSql => "ALTER TABLE items DROP COLUMN meta;";
}
