using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Cam.Storage;

public sealed class CamDbContext(DbContextOptions<CamDbContext> options) : DbContext(options)
{
    public DbSet<JobRow> Jobs => Set<JobRow>();
    public DbSet<ShardRow> Shards => Set<ShardRow>();
    public DbSet<ItemRow> Items => Set<ItemRow>();
    public DbSet<ResultRow> Results => Set<ResultRow>();
    public DbSet<ItemErrorRow> ItemErrors => Set<ItemErrorRow>();

    /// <summary>
    /// The five tables, each row property in the column of its name in snake_case (<see cref="SnakeCaseColumns"/>), as
    /// Migrations/ names them in the SQL that creates the PostgreSQL schema.
    /// </summary>
    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<JobRow>(e =>
        {
            e.ToTable("jobs");
            SnakeCaseColumns(e);
            e.HasKey(j => j.Id);
            e.HasIndex(j => j.State).HasDatabaseName("ix_jobs_state");
        });
        model.Entity<ShardRow>(e =>
        {
            e.ToTable("shards");
            SnakeCaseColumns(e);
            e.HasKey(s => new { s.JobId, s.Number });
            e.HasIndex(s => new { s.JobId, s.State, s.Number }).HasDatabaseName("ix_shards_job_state_number");
            e.HasIndex(s => new { s.State, s.LeaseExpiresAt }).HasDatabaseName("ix_shards_state_lease");
            e.HasIndex(s => new { s.State, s.ClaimDeadline }).HasDatabaseName("ix_shards_state_claim_deadline");
            e.HasIndex(s => new { s.JobId, s.PublishedAt }).HasDatabaseName("ix_shards_job_published");
        });
        model.Entity<ItemRow>(e =>
        {
            e.ToTable("items");
            SnakeCaseColumns(e);
            e.HasKey(i => new { i.JobId, i.Number });
            if (Database.IsNpgsql()) e.Property(i => i.Meta).HasColumnType("jsonb");
        });
        AuditSql.Register(model, Database.IsNpgsql());
        model.Entity<ResultRow>(e =>
        {
            e.ToTable("results");
            SnakeCaseColumns(e);
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).ValueGeneratedOnAdd();
            e.HasIndex(r => new { r.JobId, r.ItemNumber, r.Method, r.Layer, r.ClassIndex }).IsUnique().HasDatabaseName("ux_results_identity");
            e.HasIndex(r => new { r.JobId, r.Method, r.ClassIndex }).HasDatabaseName("ix_results_job_method_class");
        });
        model.Entity<ItemErrorRow>(e =>
        {
            e.ToTable("item_errors");
            SnakeCaseColumns(e);
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).ValueGeneratedOnAdd();
            e.Property(r => r.Method).HasDefaultValue("");
            e.HasIndex(r => new { r.JobId, r.ItemNumber, r.Stage, r.Method }).IsUnique().HasDatabaseName("ux_item_errors_identity");
            e.HasIndex(r => new { r.JobId, r.Stage, r.Method }).IsUnique().HasFilter("item_number IS NULL")
                .HasDatabaseName("ux_item_errors_job_method");
        });
    }

    /// <summary>Every property of <paramref name="entity"/> in the column named by <see cref="SnakeCase"/>.</summary>
    private static void SnakeCaseColumns(EntityTypeBuilder entity)
    {
        foreach (var property in entity.Metadata.GetProperties())
            property.SetColumnName(SnakeCase(property.Name));
    }

    /// <summary>A PascalCase name in snake_case: an underscore before each capital but the first, all lower case
    /// (<c>LeaseExpiresAt</c> → <c>lease_expires_at</c>, <c>PeakY</c> → <c>peak_y</c>).</summary>
    internal static string SnakeCase(string name)
    {
        var snake = new System.Text.StringBuilder(name.Length + 8);
        foreach (var c in name)
        {
            if (char.IsUpper(c) && snake.Length > 0) snake.Append('_');
            snake.Append(char.ToLowerInvariant(c));
        }
        return snake.ToString();
    }
}
