namespace Cam.Storage.Migrations;

/// <summary>
/// Item errors name the method that failed (empty when the whole item did), so that one method's failure costs the
/// others nothing; an error of a method for the whole job (item_number NULL) is stored once per job and method.
/// </summary>
[DbContext(typeof(CamDbContext)), Migration("20261207090000_MethodErrors")]
public sealed class MethodErrors : SqlMigration
{
    protected override string UpSql => """
        ALTER TABLE item_errors ADD COLUMN method text NOT NULL DEFAULT '';
        ALTER TABLE item_errors DROP CONSTRAINT ux_item_errors_identity;
        ALTER TABLE item_errors ADD CONSTRAINT ux_item_errors_identity UNIQUE (job_id, item_number, stage, method);
        CREATE UNIQUE INDEX ux_item_errors_job_method ON item_errors (job_id, stage, method) WHERE item_number IS NULL;
        """;

    protected override string DownSql => """
        DROP INDEX ux_item_errors_job_method;
        ALTER TABLE item_errors DROP CONSTRAINT ux_item_errors_identity;
        DELETE FROM item_errors WHERE method <> '';
        ALTER TABLE item_errors ADD CONSTRAINT ux_item_errors_identity UNIQUE (job_id, item_number, stage);
        ALTER TABLE item_errors DROP COLUMN method;
        """;
}
