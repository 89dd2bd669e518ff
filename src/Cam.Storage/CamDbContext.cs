using Cam.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Cam.Storage;

public sealed class CamDbContext(DbContextOptions<CamDbContext> options) : DbContext(options)
{
    public DbSet<JobRow> Jobs => Set<JobRow>();
    public DbSet<ShardRow> Shards => Set<ShardRow>();
    public DbSet<ItemRow> Items => Set<ItemRow>();
    public DbSet<ResultRow> Results => Set<ResultRow>();
    public DbSet<ItemErrorRow> ItemErrors => Set<ItemErrorRow>();

    // Names match Migrations/*.sql, which create the PostgreSQL schema.
    protected override void OnModelCreating(ModelBuilder model)
    {
        model.Entity<JobRow>(e =>
        {
            e.ToTable("jobs");
            e.HasKey(j => j.Id);
            e.Property(j => j.Id).HasColumnName("id");
            e.Property(j => j.State).HasColumnName("state");
            e.Property(j => j.Spec).HasColumnName("spec");
            e.Property(j => j.TotalItems).HasColumnName("total_items");
            e.Property(j => j.SucceededItems).HasColumnName("succeeded_items");
            e.Property(j => j.FailedItems).HasColumnName("failed_items");
            e.Property(j => j.Results).HasColumnName("results");
            e.Property(j => j.TotalShards).HasColumnName("total_shards");
            e.Property(j => j.FinishedShards).HasColumnName("finished_shards");
            e.Property(j => j.EnumerationDone).HasColumnName("enumeration_done");
            e.Property(j => j.CreatedAt).HasColumnName("created_at");
            e.Property(j => j.StartedAt).HasColumnName("started_at");
            e.Property(j => j.FinishedAt).HasColumnName("finished_at");
            e.Property(j => j.Error).HasColumnName("error");
            e.Property(j => j.DatasetRoot).HasColumnName("dataset_root");
            e.HasIndex(j => j.State).HasDatabaseName("ix_jobs_state");
        });
        model.Entity<ShardRow>(e =>
        {
            e.ToTable("shards");
            e.HasKey(s => new { s.JobId, s.Number });
            e.Property(s => s.JobId).HasColumnName("job_id");
            e.Property(s => s.Number).HasColumnName("number");
            e.Property(s => s.State).HasColumnName("state");
            e.Property(s => s.Attempts).HasColumnName("attempts");
            e.Property(s => s.ClaimDeadline).HasColumnName("claim_deadline");
            e.Property(s => s.LeaseExpiresAt).HasColumnName("lease_expires_at");
            e.Property(s => s.PublishedAt).HasColumnName("published_at");
            e.Property(s => s.FirstItem).HasColumnName("first_item");
            e.Property(s => s.ItemCount).HasColumnName("item_count");
            e.Property(s => s.Succeeded).HasColumnName("succeeded");
            e.Property(s => s.Failed).HasColumnName("failed");
            e.Property(s => s.Results).HasColumnName("results");
            e.Property(s => s.Error).HasColumnName("error");
            e.Property(s => s.ClaimedBy).HasColumnName("claimed_by");
            e.Property(s => s.Failures).HasColumnName("failures");
            e.HasIndex(s => new { s.JobId, s.State, s.Number }).HasDatabaseName("ix_shards_job_state_number");
            e.HasIndex(s => new { s.State, s.LeaseExpiresAt }).HasDatabaseName("ix_shards_state_lease");
            e.HasIndex(s => new { s.State, s.ClaimDeadline }).HasDatabaseName("ix_shards_state_claim_deadline");
            e.HasIndex(s => new { s.JobId, s.PublishedAt }).HasDatabaseName("ix_shards_job_published");
        });
        model.Entity<ItemRow>(e =>
        {
            e.ToTable("items");
            e.HasKey(i => new { i.JobId, i.Number });
            e.Property(i => i.JobId).HasColumnName("job_id");
            e.Property(i => i.Number).HasColumnName("number");
            e.Property(i => i.ShardNumber).HasColumnName("shard_number");
            e.Property(i => i.Path).HasColumnName("path");
            e.Property(i => i.Label).HasColumnName("label");
            e.Property(i => i.Boxes).HasColumnName("boxes");
            var meta = e.Property(i => i.Meta).HasColumnName("meta");
            if (Database.IsNpgsql()) meta.HasColumnType("jsonb");
            e.Property(i => i.State).HasColumnName("state");
        });
        AuditSql.Register(model, Database.IsNpgsql());
        model.Entity<ResultRow>(e =>
        {
            e.ToTable("results");
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).HasColumnName("id").ValueGeneratedOnAdd();
            e.Property(r => r.JobId).HasColumnName("job_id");
            e.Property(r => r.ItemNumber).HasColumnName("item_number");
            e.Property(r => r.Method).HasColumnName("method");
            e.Property(r => r.Layer).HasColumnName("layer");
            e.Property(r => r.ClassIndex).HasColumnName("class_index");
            e.Property(r => r.ClassRank).HasColumnName("class_rank");
            e.Property(r => r.Score).HasColumnName("score");
            e.Property(r => r.Probability).HasColumnName("probability");
            e.Property(r => r.MapHeight).HasColumnName("map_height");
            e.Property(r => r.MapWidth).HasColumnName("map_width");
            e.Property(r => r.Map).HasColumnName("map");
            e.Property(r => r.PeakY).HasColumnName("peak_y");
            e.Property(r => r.PeakX).HasColumnName("peak_x");
            e.Property(r => r.Energy).HasColumnName("energy");
            e.Property(r => r.Metrics).HasColumnName("metrics");
            e.Property(r => r.PredictedClass).HasColumnName("predicted_class");
            e.Property(r => r.LabelClass).HasColumnName("label_class");
            e.Property(r => r.PointingHit).HasColumnName("pointing_hit");
            e.Property(r => r.EnergyInBox).HasColumnName("energy_in_box");
            e.Property(r => r.AverageDrop).HasColumnName("average_drop");
            e.Property(r => r.IncreaseInConfidence).HasColumnName("increase_in_confidence");
            e.Property(r => r.DeletionArea).HasColumnName("deletion_area");
            e.Property(r => r.InsertionArea).HasColumnName("insertion_area");
            e.HasIndex(r => new { r.JobId, r.ItemNumber, r.Method, r.Layer, r.ClassIndex }).IsUnique().HasDatabaseName("ux_results_identity");
            e.HasIndex(r => new { r.JobId, r.Method, r.ClassIndex }).HasDatabaseName("ix_results_job_method_class");
        });
        model.Entity<ItemErrorRow>(e =>
        {
            e.ToTable("item_errors");
            e.HasKey(r => r.Id);
            e.Property(r => r.Id).HasColumnName("id").ValueGeneratedOnAdd();
            e.Property(r => r.JobId).HasColumnName("job_id");
            e.Property(r => r.ItemNumber).HasColumnName("item_number");
            e.Property(r => r.Stage).HasColumnName("stage");
            e.Property(r => r.Method).HasColumnName("method").HasDefaultValue("");
            e.Property(r => r.Message).HasColumnName("message");
            e.Property(r => r.At).HasColumnName("at");
            e.HasIndex(r => new { r.JobId, r.ItemNumber, r.Stage, r.Method }).IsUnique().HasDatabaseName("ux_item_errors_identity");
            e.HasIndex(r => new { r.JobId, r.Stage, r.Method }).IsUnique().HasFilter("item_number IS NULL")
                .HasDatabaseName("ux_item_errors_job_method");
        });
    }
}
