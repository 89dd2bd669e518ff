#!/usr/bin/env bash
# The scale figures of issues 28 and 27 in one run, for a quiet machine (docs/scale.md, "Export, deletion and
# partitioning"; about 15 minutes at the default sizes on the 2-core development machine):
#   1. a synthetic finished job of EXPORT_ITEMS × PER_ITEM results in a fresh, migrated PostgreSQL database
#      (docs/scale/synthetic-job.sql);
#   2. `cam export` of it with --maps values, again under a 256 MB heap cap, and with --maps none;
#   3. `cam delete` of it, with the database's size before and after;
#   4. `cam report --strategies` on a SQLite job of STRATEGY_RESULTS synthetic results (docs/scale/strategies-1m.py).
# Every command runs under /usr/bin/time -v, with /proc/loadavg before and after. Prints one JSON object and a
# markdown table, also written to $WORK/figures.json and $WORK/figures.md.
#
# Usage: docs/scale/measure-quiet.sh   (from the repository root)
# Sizes and places (environment): EXPORT_ITEMS=400000 PER_ITEM=5 STRATEGY_RESULTS=1000000 STRATEGY_SAMPLE=2000
#   WORK=/tmp/cam-measure-quiet BUILD=1 (0: use the Release binaries already built) PGHOST=127.0.0.1 PGUSER=cam_ci
#   PGPASSWORD=cam_ci KEEP=0 (1: keep the scratch database and files) PYTHON=/usr/bin/python3 (one with numpy, for
#   strategies-1m.py; the default when it exists).
# A small end-to-end check: EXPORT_ITEMS=20000 STRATEGY_RESULTS=100000 docs/scale/measure-quiet.sh
set -euo pipefail

EXPORT_ITEMS=${EXPORT_ITEMS:-400000}
PER_ITEM=${PER_ITEM:-5}
STRATEGY_RESULTS=${STRATEGY_RESULTS:-1000000}
STRATEGY_SAMPLE=${STRATEGY_SAMPLE:-2000}
WORK=${WORK:-/tmp/cam-measure-quiet}
BUILD=${BUILD:-1}
KEEP=${KEEP:-0}
if [ -z "${PYTHON:-}" ]; then
    if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-cam_ci} PGPASSWORD=${PGPASSWORD:-cam_ci}
DATABASE=cam_measure_quiet_$$
JOB=28282828-0000-4000-8000-$(printf '%012d' $$)
CS="Host=$PGHOST;Username=$PGUSER;Password=$PGPASSWORD;Database=$DATABASE"
ROOT=$(pwd)
CAM="dotnet $ROOT/src/Cam.Cli/bin/Release/net10.0/cam.dll"
SCHEDULER="$ROOT/src/Cam.SchedulerHost/bin/Release/net10.0/Cam.SchedulerHost.dll"

[ -f docs/scale/synthetic-job.sql ] || { echo "run from the repository root" >&2; exit 2; }
for tool in psql python3 /usr/bin/time dotnet; do
    command -v "$tool" > /dev/null || { echo "missing: $tool" >&2; exit 2; }
done
rm -rf "$WORK" && mkdir -p "$WORK"
FIGURES=$WORK/figures.jsonl
: > "$FIGURES"
log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

cleanup() {
    if [ "$KEEP" != 1 ]; then
        psql -d postgres -qc "DROP DATABASE IF EXISTS $DATABASE" > /dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

if [ "$BUILD" = 1 ]; then
    log "building cam and the scheduler host (Release)"
    dotnet build src/Cam.Cli -c Release -v q -nologo > "$WORK/build.log" 2>&1
    dotnet build src/Cam.SchedulerHost -c Release -v q -nologo >> "$WORK/build.log" 2>&1
fi

# timed NAME COMMAND…: runs it under /usr/bin/time -v (output in $WORK/NAME.out) and records one line of figures.
timed() {
    local name=$1
    shift
    local before after
    before=$(cut -d' ' -f1-3 /proc/loadavg)
    log "$name: $*"
    /usr/bin/time -v -o "$WORK/$name.time" "$@" > "$WORK/$name.out" 2>&1 || {
        echo "$name failed:" >&2
        tail -20 "$WORK/$name.out" >&2
        exit 1
    }
    after=$(cut -d' ' -f1-3 /proc/loadavg)
    python3 - "$name" "$WORK/$name.time" "$before" "$after" >> "$FIGURES" <<'EOF'
import json, re, sys
name, path, before, after = sys.argv[1:5]
text = open(path).read()
def field(label):
    return re.search(re.escape(label) + r": (.*)", text).group(1).strip()
parts = [float(p) for p in field("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")]
wall = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
print(json.dumps({"name": name, "wall_s": round(wall, 2), "user_s": float(field("User time (seconds)")),
                  "system_s": float(field("System time (seconds)")),
                  "peak_rss_mb": round(int(field("Maximum resident set size (kbytes)")) / 1024, 1),
                  "load_before": before, "load_after": after}))
EOF
}

# note NAME VALUE: one more figure (a number or a string) for the summary.
note() {
    python3 -c 'import json, sys; print(json.dumps({"name": sys.argv[1], "value": sys.argv[2]}))' "$1" "$2" \
        >> "$FIGURES"
}

log "database $DATABASE: migrate, then a job of $EXPORT_ITEMS items × $PER_ITEM results"
psql -d postgres -qc "CREATE DATABASE $DATABASE" > /dev/null
CAM_POSTGRES="$CS" dotnet "$SCHEDULER" migrate > "$WORK/migrate.out" 2>&1
timed make_job psql -d "$DATABASE" -q -v job="$JOB" -v items="$EXPORT_ITEMS" -v per_item="$PER_ITEM" \
    -f docs/scale/synthetic-job.sql
RESULTS=$(psql -d "$DATABASE" -Atc "SELECT count(*) FROM results WHERE job_id = '$JOB'")
note results "$RESULTS"
psql -d "$DATABASE" -qc "VACUUM ANALYZE jobs, shards, items, results, item_errors"
note database_mb_before_delete "$(psql -d "$DATABASE" -Atc "SELECT pg_database_size(current_database()) / 1048576")"

timed export_values $CAM export "$JOB" --postgres "$CS" --out "$WORK/export-values"
note parquet_values_mb "$(du -m "$WORK/export-values/results.parquet" | cut -f1)"
timed export_values_heap_256mb env DOTNET_GCHeapHardLimit=0x10000000 $CAM export "$JOB" --postgres "$CS" \
    --out "$WORK/export-values-capped"
timed export_none $CAM export "$JOB" --postgres "$CS" --out "$WORK/export-none" --maps none
note parquet_none_mb "$(du -m "$WORK/export-none/results.parquet" | cut -f1)"
rm -rf "$WORK"/export-*

timed delete $CAM delete "$JOB" --postgres "$CS"
note database_mb_after_delete "$(psql -d "$DATABASE" -Atc "SELECT pg_database_size(current_database()) / 1048576")"
note job_relations_left "$(psql -d "$DATABASE" -Atc "SELECT count(*) FROM pg_class WHERE relname LIKE '%${JOB//-/}%'")"

log "strategies: the bundled demo run, its results replaced by $STRATEGY_RESULTS synthetic ones"
$CAM run --methods cam --out "$WORK/strategies" --json --no-report > "$WORK/run.out" 2>&1
read -r SQLITE_DB SQLITE_JOB < <(python3 -c '
import json, sys
for line in reversed(open(sys.argv[1]).read().splitlines()):
    if line.startswith("{"):
        s = json.loads(line)
        print(s["database"], s["job_id"])
        break' "$WORK/run.out")
"$PYTHON" -c "import numpy" || { echo "$PYTHON has no numpy (strategies-1m.py needs it): set PYTHON" >&2; exit 2; }
timed fill_strategies "$PYTHON" docs/scale/strategies-1m.py "$SQLITE_DB" "$SQLITE_JOB" "$STRATEGY_RESULTS"
timed report_strategies $CAM report "$SQLITE_JOB" --db "$SQLITE_DB" --strategies --strategy-sample "$STRATEGY_SAMPLE" \
    --gallery 0 --out "$WORK/report-strategies.html" --json-out "$WORK/report-strategies.json"
timed report_plain $CAM report "$SQLITE_JOB" --db "$SQLITE_DB" --gallery 0 --out "$WORK/report-plain.html"
note strategy_results "$STRATEGY_RESULTS"
note strategy_sample "$STRATEGY_SAMPLE"

python3 - "$FIGURES" "$WORK" "$EXPORT_ITEMS" "$PER_ITEM" <<'EOF'
import json, sys
path, work, items, per_item = sys.argv[1:5]
rows = [json.loads(l) for l in open(path)]
timed = {r["name"]: r for r in rows if "wall_s" in r}
notes = {r["name"]: r["value"] for r in rows if "value" in r}
results = int(notes["results"])
for name in ("export_values", "export_values_heap_256mb", "export_none"):
    t = timed[name]
    t["results_per_s"] = round(results / t["wall_s"])
    t["results_per_cpu_s"] = round(results / max(t["user_s"] + t["system_s"], 1e-3))
summary = {"export_items": int(items), "per_item": int(per_item), "timed": timed, "figures": notes}
text = json.dumps(summary, indent=2)
open(f"{work}/figures.json", "w").write(text)
lines = ["| command | wall s | user + sys s | results/s | results per CPU-s | peak RSS MB | load before → after |",
         "| --- | --- | --- | --- | --- | --- | --- |"]
for name, t in timed.items():
    lines.append(f"| {name} | {t['wall_s']} | {t['user_s']} + {t['system_s']} | {t.get('results_per_s', '')} | "
                 f"{t.get('results_per_cpu_s', '')} | {t['peak_rss_mb']} | {t['load_before']} → {t['load_after']} |")
lines += ["", "| figure | value |", "| --- | --- |"] + [f"| {k} | {v} |" for k, v in notes.items()]
open(f"{work}/figures.md", "w").write("\n".join(lines) + "\n")
print(text)
print()
print("\n".join(lines))
EOF
