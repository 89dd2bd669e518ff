namespace Cam.Storage.Migrations;

/// <summary>
/// The per-job tables (shards, items, results, item_errors) become LIST-partitioned by job_id, one partition per
/// job per table, so that deleting a job drops its partitions (no DELETE of millions of rows, no bloat left).
/// <c>cam_create_job_partitions(job)</c> creates a job's partitions (a table <c>LIKE</c> the parent, then ATTACHed:
/// ATTACH locks the parent in SHARE UPDATE EXCLUSIVE mode, which readers and writers of other jobs do not wait for).
/// Existing rows move: each table is renamed, its partitioned successor created <c>LIKE</c> it (so columns added by
/// any earlier migration come along), every job's partitions created, the rows copied, and the old indexes and
/// constraints recreated on the parent from their definitions. A unique key must hold the partition key: the
/// primary keys on <c>id</c> become (job_id, id); the ids keep their values and a sequence of their own.
/// No default partition: a row of a job without partitions is an error, and DETACH … CONCURRENTLY stays possible.
/// </summary>
[DbContext(typeof(CamDbContext)), Migration("20261220090000_JobPartitions")]
public sealed class JobPartitions : SqlMigration
{
    protected override string UpSql => $$"""
        CREATE FUNCTION cam_job_partition(parent text, job uuid) RETURNS text
        LANGUAGE sql IMMUTABLE AS $$ SELECT parent || '_' || replace(job::text, '-', '') $$;

        CREATE FUNCTION cam_create_job_partitions(job uuid) RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            parent text;
            part text;
        BEGIN
            FOREACH parent IN ARRAY ARRAY['shards', 'items', 'results', 'item_errors'] LOOP
                part := cam_job_partition(parent, job);
                CONTINUE WHEN to_regclass(part) IS NOT NULL;
                -- Items are updated once each (their state): half-full pages keep the update HOT (ScaleIndexes).
                EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)%s',
                    part, parent, CASE WHEN parent = 'items' THEN ' WITH (fillfactor = 50)' ELSE '' END);
                EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%L)', parent, part, job);
            END LOOP;
        END $$;

        {{EachTableRenamed("_unpartitioned")}}
                -- Constraints (primary, unique, foreign keys), then the indexes no constraint owns.
                FOR c IN SELECT conname, contype, pg_get_constraintdef(oid) AS def FROM pg_constraint
                         WHERE conrelid = old::regclass AND contype IN ('p', 'u', 'f') ORDER BY contype DESC, conname LOOP
                    statement := c.def;
                    IF c.contype IN ('p', 'u') AND statement NOT LIKE '%job_id%' THEN
                        statement := regexp_replace(statement, '\(', '(job_id, ');
                    END IF;
                    definitions := definitions || format('ALTER TABLE %I ADD CONSTRAINT %I %s', parent, c.conname, statement);
                    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', old, c.conname);
                END LOOP;
                FOR c IN SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                         WHERE x.indrelid = old::regclass ORDER BY i.relname LOOP
                    definitions := definitions || replace(c.def, format(' ON public.%s ', old), format(' ON public.%s ', parent));
                    EXECUTE format('DROP INDEX %I', c.name);
                END LOOP;
                EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE) PARTITION BY LIST (job_id)',
                    parent, old);
                IF parent IN ('results', 'item_errors') THEN
                    -- After a Down, the sequence is the old table's id default: the ids are kept, the sequence made anew.
                    EXECUTE format('DROP SEQUENCE IF EXISTS %I CASCADE', parent || '_id_partitioned_seq');
                    EXECUTE format('CREATE SEQUENCE %I OWNED BY %I.id', parent || '_id_partitioned_seq', parent);
                    EXECUTE format('SELECT setval(%L, coalesce((SELECT max(id) FROM %I), 0) + 1, false)', parent || '_id_partitioned_seq', old);
                    EXECUTE format('ALTER TABLE %I ALTER COLUMN id SET DEFAULT nextval(%L)', parent, parent || '_id_partitioned_seq');
                END IF;
                -- Partitions for every job, then the rows (routed by job_id), then the indexes, built once over them.
                FOR job IN SELECT id FROM jobs LOOP
                    EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)%s',
                        cam_job_partition(parent, job), parent, CASE WHEN parent = 'items' THEN ' WITH (fillfactor = 50)' ELSE '' END);
                    EXECUTE format('ALTER TABLE %I ATTACH PARTITION %I FOR VALUES IN (%L)', parent, cam_job_partition(parent, job), job);
                END LOOP;
                EXECUTE format('INSERT INTO %I SELECT * FROM %I', parent, old);
                FOREACH statement IN ARRAY definitions LOOP
                    EXECUTE statement;
                END LOOP;
                EXECUTE format('DROP TABLE %I', old);
            END LOOP;
        END $$;
        """;

    protected override string DownSql => $$"""
        {{EachTableRenamed("_partitioned")}}
                FOR c IN SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
                         WHERE conrelid = old::regclass AND contype IN ('p', 'u', 'f') AND conparentid = 0 ORDER BY contype DESC, conname LOOP
                    definitions := definitions || format('ALTER TABLE %I ADD CONSTRAINT %I %s', parent, c.conname, c.def);
                END LOOP;
                FOR c IN SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
                         WHERE x.indrelid = old::regclass
                           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.oid AND k.conrelid = old::regclass) LOOP
                    definitions := definitions || replace(c.def, format(' ON ONLY public.%s ', old), format(' ON public.%s ', parent));
                END LOOP;
                EXECUTE format('CREATE TABLE %I (LIKE %I INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)', parent, old);
                IF parent IN ('results', 'item_errors') THEN
                    EXECUTE format('ALTER SEQUENCE %I OWNED BY %I.id', parent || '_id_partitioned_seq', parent);
                END IF;
                EXECUTE format('INSERT INTO %I SELECT * FROM %I', parent, old);
                EXECUTE format('DROP TABLE %I CASCADE', old);
                FOREACH statement IN ARRAY definitions LOOP
                    EXECUTE statement;
                END LOOP;
            END LOOP;
        END $$;
        DROP FUNCTION cam_create_job_partitions(uuid);
        DROP FUNCTION cam_job_partition(text, uuid);
        ALTER TABLE items SET (fillfactor = 50);
        """;

    /// <summary>
    /// The head of both scripts' move of the per-job tables: a block that takes each table in turn (<c>parent</c>),
    /// renames it to its name + <paramref name="suffix"/> (<c>old</c>) and starts its list of definitions to recreate.
    /// </summary>
    private static string EachTableRenamed(string suffix) => $$"""
        DO $$
        DECLARE
            parent text;
            old text;
            c record;
            job uuid;
            definitions text[];
            statement text;
        BEGIN
            FOREACH parent IN ARRAY ARRAY['shards', 'items', 'results', 'item_errors'] LOOP
                old := parent || '{{suffix}}';
                EXECUTE format('ALTER TABLE %I RENAME TO %I', parent, old);
                definitions := ARRAY[]::text[];
        """;
}
