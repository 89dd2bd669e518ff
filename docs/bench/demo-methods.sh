#!/usr/bin/env bash
# The demo's localisation and faithfulness for every method `cam run` accepts (README "The demo"): held-out shapes
# (`cam demo-data --seed 777`), `cam run --metrics` in groups of at most 8 methods on the package's layer, RefineCAM
# on features.7,features (it needs two layers; its fused map is scored), SS-CAM and IS-CAM (35 and 10 Score-CAMs
# by default) on the first SMOOTH_COUNT items only, then per method the means of the stored columns over the rank-0 results.
# LeGrad applies to vision transformers only: the script asks for it and records the refusal. Prints one JSON object
# per method (with the run's seconds and the load average before it); progress goes to stderr.
# Usage, from the repository root after `dotnet build src/Cam.Cli -c Release`:
#   COUNT=500 SMOOTH_COUNT=100 docs/bench/demo-methods.sh > docs/bench/demo-methods.jsonl
# RESUME=1 keeps WORK's held-out images and every run that completed there, and runs only the rest (for instance
# after stopping the script to run SS-CAM and IS-CAM on fewer items).
set -euo pipefail
cam=${CAM:-src/Cam.Cli/bin/Release/net10.0/cam}
count=${COUNT:-500}
smooth_count=${SMOOTH_COUNT:-100}
work=${WORK:-/tmp/cam-demo-methods}
# Groups of at most 8 (cam run's limit), separated by spaces.
groups=${GROUPS_OF_METHODS:-"cam,scorecam,gradcam,gradcampp,xgradcam,layercam,hirescam,gradcamelementwise eigencam,eigengradcam,kpcacam,fem,ablationcam,shapleycam,fullgrad,finercam randomcam,smoothgradcampp"}
smooth=${SMOOTH_METHODS:-sscam,iscam}
resume=${RESUME:-0}
say() { echo "[$(date -u +%H:%M:%S) load $(cut -d' ' -f1 /proc/loadavg)] $*" >&2; }
if [ "$resume" = 1 ] && [ -s "$work/heldout/manifest.csv" ]; then
  say "resuming in $work"
else
  rm -rf "$work" && mkdir -p "$work"
  say "demo-data: $count held-out images"
  "$cam" demo-data --out "$work/heldout" --count "$count" --seed 777 > /dev/null
fi
# The first SMOOTH_COUNT items of the same manifest (paths are relative to its folder).
head -n $((smooth_count + 1)) "$work/heldout/manifest.csv" > "$work/heldout/manifest-smooth.csv"
run() {
  local label=$1 manifest=$2; shift 2
  local load start
  if [ "$resume" = 1 ] && grep -qs '"state":"completed"' "$work/$label.json"; then
    say "$label: kept from the earlier run"
    return
  fi
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  start=$(date +%s)
  say "$label: cam run $* on $manifest"
  "$cam" run --dataset "$work/heldout/$manifest" --model samples/shapes-model --metrics --no-report --json \
    --out "$work/$label" "$@" | tail -n 1 > "$work/$label.json"
  echo "$label $load $(( $(date +%s) - start ))" >> "$work/runs.txt"
  say "$label: done in $(( $(date +%s) - start )) s"
}
labels=()
index=0
for group in $groups; do
  index=$((index + 1))
  run "group$index" manifest.csv --methods "$group"
  labels+=("group$index")
done
run refine manifest.csv --methods refinecam --layers features.7,features
labels+=(refine)
if [ -n "$smooth" ]; then
  run smooth manifest-smooth.csv --methods "$smooth"
  labels+=(smooth)
fi
echo "${labels[*]}" > "$work/labels.txt"
# LeGrad: the run must be refused before it starts; its message is the reason.
say "legrad: expecting a refusal"
if "$cam" run --dataset "$work/heldout/manifest-smooth.csv" --model samples/shapes-model --no-report \
    --out "$work/legrad" --methods legrad > "$work/legrad.out" 2>&1; then
  echo "legrad ran on the demo model: expected a refusal" >&2
  exit 1
fi
grep -m 1 "does not apply" "$work/legrad.out" > "$work/legrad.reason" || {
  cat "$work/legrad.out" >&2; echo "legrad failed without the applicability message" >&2; exit 1; }
WORK=$work python3 - <<'PY'
import json, os, sqlite3
work = os.environ["WORK"]
runs = {l.split()[0]: l.split()[1:] for l in open(os.path.join(work, "runs.txt"))}
for label in open(os.path.join(work, "labels.txt")).read().split():
    summary = json.load(open(os.path.join(work, label + ".json")))
    assert summary["state"] == "completed", summary
    assert summary["failed"] == 0, summary
    db = sqlite3.connect(summary["database"])
    rows = db.execute("""
        select method, layer, count(*), avg(pointing_hit), avg(energy_in_box), avg(average_drop),
               avg(increase_in_confidence), avg(deletion_area), avg(insertion_area)
        from results where class_rank = 0 group by method, layer""").fetchall()  # one job per database
    for method, layer, n, pg, eib, drop, inc, dele, ins in rows:
        if label == "refine" and layer != "fused":
            continue
        print(json.dumps({"method": method, "layer": layer, "maps": n, "pointing_game": pg, "energy_in_box": eib,
                          "average_drop": drop, "increase_in_confidence": inc, "deletion_area": dele,
                          "insertion_area": ins, "run": label, "run_seconds": int(runs[label][3]),
                          "loadavg_before": " ".join(runs[label][:3])}))
reason = open(os.path.join(work, "legrad.reason")).read().strip()
print(json.dumps({"method": "legrad", "applies": False, "reason": reason}))
PY
say "done"
