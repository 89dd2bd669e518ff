-- A finished job of :items items with :per_item results each (one method, one layer, top-:per_item classes), 7×7
-- quantised maps of pseudo-random codes (md5 of the row: incompressible like real maps), metrics on every row, a
-- meta object per item: what `cam export` and `cam delete` are measured on (docs/scale.md, export and deletion).
-- psql -v job=UUID -v items=400000 -v per_item=5 -f docs/scale/synthetic-job.sql
-- On a partitioned schema (migration JobPartitions) the job's partitions are created first.
\set ON_ERROR_STOP on
INSERT INTO jobs (id, state, spec, total_items, succeeded_items, results, total_shards, finished_shards,
                  enumeration_done, created_at, started_at, finished_at)
VALUES (:'job', 'completed', '{"dataset":"synthetic.csv","model":"synthetic"}', :items, :items, :items * :per_item,
        :items / 256, :items / 256, true, now(), now(), now());
SELECT cam_create_job_partitions(:'job') WHERE to_regproc('cam_create_job_partitions') IS NOT NULL;
INSERT INTO shards (job_id, number, state, attempts, first_item, item_count, succeeded, results)
SELECT :'job', s, 'completed', 1, s * 256, 256, 256, 256 * :per_item FROM generate_series(0, :items / 256 - 1) s;
INSERT INTO items (job_id, number, shard_number, path, label, meta, state)
SELECT :'job', n, n / 256, 'images/' || n || '.jpg', 'class' || (n % 10),
       jsonb_build_object('site', 'site' || (n % 7), 'scanner', n % 3), 'succeeded'
FROM generate_series(0, :items - 1) n;
INSERT INTO results (job_id, item_number, method, layer, class_index, class_rank, score, probability, map_height,
                     map_width, map, peak_y, peak_x, energy, metrics, predicted_class, label_class, average_drop,
                     increase_in_confidence, deletion_area, insertion_area)
SELECT :'job', n, 'gradcam', 'layer4', (n + k * 97) % 1000, k, 10 - k, 0.5 / (k + 1), 7, 7,
       '\x5100000000' || '\x80008037'::bytea || decode(substr(md5(n || '-' || k || 'a') || md5(n || '-' || k || 'b')
           || md5(n || '-' || k || 'c') || md5(n || '-' || k || 'd') || md5(n || '-' || k || 'e')
           || md5(n || '-' || k || 'f') || md5(n || '-' || k || 'g'), 1, 196), 'hex'),
       n % 7, k % 7, 0.25, '{"average_drop":0.3,"increase_in_confidence":false,"deletion_area":0.2,"insertion_area":0.6}',
       n % 1000, n % 10, 0.3, false, 0.2, 0.6
FROM generate_series(0, :items - 1) n, generate_series(0, :per_item - 1) k;
ANALYZE jobs;
