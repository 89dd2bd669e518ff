namespace Cam.Storage.Migrations;

/// <summary>
/// A migration of <see cref="CamDbContext"/> written as SQL, so that every constraint is explicit: <c>Up</c> runs
/// <see cref="UpSql"/>, <c>Down</c> runs <see cref="DownSql"/>. Subclasses carry their attributes (EF finds a
/// migration by its own <c>[DbContext]</c> and <c>[Migration]</c>, not inherited ones) and the two scripts.
/// </summary>
public abstract class SqlMigration : Migration
{
    /// <summary>The script that applies the migration.</summary>
    protected abstract string UpSql { get; }

    /// <summary>The script that reverts it.</summary>
    protected abstract string DownSql { get; }

    protected sealed override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(UpSql);

    protected sealed override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql(DownSql);
}
