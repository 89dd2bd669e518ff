using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Storage;

/// <summary>Brings the database to the current schema: EF Core migrations on PostgreSQL, the model itself on SQLite (a file from an older version
/// upgraded in place).</summary>
public sealed class CamMigrator(IDbContextFactory<CamDbContext> factory, StorageSettings settings)
{
    /// <summary>Migrates the database named by <paramref name="settings"/> without a host (the <c>migrate</c> command).</summary>
    public static async Task MigrateAsync(StorageSettings settings, CancellationToken cancellationToken = default)
    {
        await using var provider = new ServiceCollection().AddCamStorage(settings).BuildServiceProvider();
        await provider.GetRequiredService<CamMigrator>().MigrateAsync(cancellationToken);
    }

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await factory.CreateDbContextAsync(cancellationToken);
        if (settings.Provider == StorageProvider.Postgres)
        {
            await db.Database.MigrateAsync(cancellationToken);
            return;
        }
        await db.Database.EnsureCreatedAsync(cancellationToken);
        await SqliteUpgrades.ApplyAsync(db, cancellationToken);
        // Several in-process workers write at once: WAL lets readers go on while one writes.
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
    }
}
