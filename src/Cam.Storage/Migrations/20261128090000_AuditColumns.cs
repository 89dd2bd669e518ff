namespace Cam.Storage.Migrations;

/// <summary>Per-result audit values as columns, so that the audit aggregates them in SQL.</summary>
[DbContext(typeof(CamDbContext)), Migration("20261128090000_AuditColumns")]
public sealed class AuditColumns : SqlMigration
{
    protected override string UpSql => """
        ALTER TABLE results
            ADD COLUMN predicted_class integer NOT NULL DEFAULT -1,
            ADD COLUMN label_class integer NULL,
            ADD COLUMN pointing_hit boolean NULL,
            ADD COLUMN energy_in_box real NULL,
            ADD COLUMN average_drop real NULL,
            ADD COLUMN increase_in_confidence boolean NULL,
            ADD COLUMN deletion_area real NULL,
            ADD COLUMN insertion_area real NULL;
        CREATE INDEX ix_results_job_method_class ON results (job_id, method, class_index);
        """;

    protected override string DownSql => """
        DROP INDEX ix_results_job_method_class;
        ALTER TABLE results DROP COLUMN predicted_class, DROP COLUMN label_class, DROP COLUMN pointing_hit, DROP COLUMN energy_in_box,
            DROP COLUMN average_drop, DROP COLUMN increase_in_confidence, DROP COLUMN deletion_area, DROP COLUMN insertion_area;
        """;
}
