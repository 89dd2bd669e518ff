using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Cam.Storage;

public enum StorageProvider
{
    Postgres,
    Sqlite,
}

/// <summary>Where results live: PostgreSQL (<c>CAM_POSTGRES</c>) or, for the embedded mode, a SQLite file.</summary>
public sealed record StorageSettings(StorageProvider Provider, string ConnectionString)
{
    public static StorageSettings Postgres(string connectionString) => new(StorageProvider.Postgres, connectionString);

    public static StorageSettings SqliteFile(string path) =>
        new(StorageProvider.Sqlite, $"Data Source={Path.GetFullPath(path)};Pooling=True;Default Timeout=60");

    public void Configure(DbContextOptionsBuilder options)
    {
        if (Provider == StorageProvider.Postgres)
            options.UseNpgsql(ConnectionString, o => o.EnableRetryOnFailure(5, TimeSpan.FromSeconds(5), null));
        else
            options.UseSqlite(ConnectionString);
        // The PostgreSQL schema is written as SQL (Migrations/), so EF has no model snapshot to compare with.
        options.ConfigureWarnings(w => w.Ignore(RelationalEventId.PendingModelChangesWarning));
    }
}

public static class StorageRegistration
{
    /// <summary>Registers the database and the stores that the scheduler and workers use.</summary>
    public static IServiceCollection AddCamStorage(this IServiceCollection services, StorageSettings settings)
    {
        services.AddSingleton(settings);
        services.AddDbContextFactory<CamDbContext>(settings.Configure);
        services.AddSingleton<JobStore>();
        services.AddSingleton<ResultWriter>();
        services.AddSingleton<ShardLifecycle>();
        services.AddSingleton<MethodTallies>();
        services.AddSingleton<UnknownLabels>();
        services.AddSingleton<JobDeletion>();
        services.AddSingleton<CamMigrator>();
        return services;
    }
}
