using Cam.Contracts;
using Cam.Storage;
using Cam.Tests.Shared;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Storage.Tests;

/// <summary>
/// <c>lease_expires_at</c> used to hold a published shard's claim deadline too: a database written before the split
/// (PostgreSQL migrated back one step, a SQLite file without the column) comes out with each value in its column.
/// </summary>
public class ClaimDeadlineMigrationTests
{
    private static readonly DateTime ClaimBefore = new(2030, 1, 1, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime LeaseEnd = new(2030, 1, 2, 12, 0, 0, DateTimeKind.Utc);

    [Theory]
    [MemberData(nameof(TestDatabases.Providers), MemberType = typeof(TestDatabases))]
    public async Task A_published_shard_s_deadline_moves_to_claim_deadline_and_a_running_shard_keeps_its_lease(string provider)
    {
        var (services, settings) = await TestDatabases.CreateAsync(provider);
        await using var _ = services;
        var store = services.GetRequiredService<JobStore>();
        var job = Guid.NewGuid();
        await store.CreateJobAsync(job, "{}");
        await store.AddShardAsync(job, 0, [new() { JobId = job, Number = 0, ShardNumber = 0, Path = "a.png" }]);
        await store.AddShardAsync(job, 1, [new() { JobId = job, Number = 1, ShardNumber = 1, Path = "b.png" }]);

        await using (var db = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync())
        {
            if (settings.Provider == StorageProvider.Postgres)
                await db.GetService<IMigrator>().MigrateAsync("20261211090000_ShardPublishedAt");
            else
                await db.Database.ExecuteSqlRawAsync("DROP INDEX ix_shards_state_claim_deadline; ALTER TABLE shards DROP COLUMN claim_deadline;");
            await db.Database.ExecuteSqlAsync(
                $"UPDATE shards SET state = {ShardState.Published}, lease_expires_at = {ClaimBefore} WHERE job_id = {job} AND number = 0");
            await db.Database.ExecuteSqlAsync(
                $"UPDATE shards SET state = {ShardState.Running}, lease_expires_at = {LeaseEnd} WHERE job_id = {job} AND number = 1");
        }
        await services.GetRequiredService<CamMigrator>().MigrateAsync();

        await using var after = await services.GetRequiredService<IDbContextFactory<CamDbContext>>().CreateDbContextAsync();
        var shards = await after.Shards.AsNoTracking().Where(s => s.JobId == job).OrderBy(s => s.Number)
            .Select(s => new { s.ClaimDeadline, s.LeaseExpiresAt }).ToListAsync();
        Assert.Equal((ClaimBefore, (DateTime?)null), (Utc(shards[0].ClaimDeadline), shards[0].LeaseExpiresAt));
        Assert.Equal(((DateTime?)null, LeaseEnd), (shards[1].ClaimDeadline, Utc(shards[1].LeaseExpiresAt)));
    }

    /// <summary>SQLite hands times back without a kind; both providers store UTC.</summary>
    private static DateTime? Utc(DateTime? time) => time is { } t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null;
}
