using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Storage.Tests;

/// <summary>
/// The model names every row property's column by one rule (snake_case); the schema is created by the migrations'
/// SQL on PostgreSQL and from the model on SQLite. Each table's mapped columns must be exactly the database's.
/// </summary>
public class ColumnMappingTests
{
    private static readonly string[] Tables = ["jobs", "shards", "items", "results", "item_errors"];

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task Every_table_s_mapped_columns_are_exactly_the_columns_of_the_migrated_database(string provider)
    {
        var (services, settings) = await TestDatabases.CreateAsync(provider);
        await using var _ = services;
        var factory = services.GetRequiredService<IDbContextFactory<CamDbContext>>();
        await using var db = await factory.CreateDbContextAsync();
        foreach (var table in Tables)
        {
            var entity = db.Model.GetEntityTypes().Single(t => t.GetTableName() == table);
            var mapped = entity.GetProperties().Select(p => p.GetColumnName()).Order().ToList();
            var sql = settings.Provider == StorageProvider.Postgres
                ? "SELECT column_name AS \"Value\" FROM information_schema.columns " +
                  $"WHERE table_schema = 'public' AND table_name = '{table}'"
                : $"SELECT name AS \"Value\" FROM pragma_table_info('{table}')";
            var actual = (await db.Database.SqlQueryRaw<string>(sql).ToListAsync()).Order().ToList();
            Assert.True(actual.Count > 0, $"{table}: no columns found");
            Assert.Equal(actual, mapped);
        }
    }

    [Theory]
    [InlineData("Id", "id")]
    [InlineData("JobId", "job_id")]
    [InlineData("LeaseExpiresAt", "lease_expires_at")]
    [InlineData("PeakY", "peak_y")]
    public void Snake_case_puts_an_underscore_before_each_capital_but_the_first(string name, string expected) =>
        Assert.Equal(expected, CamDbContext.SnakeCase(name));
}
