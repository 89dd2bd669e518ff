#!/usr/bin/env bash
# The demo's localisation and faithfulness for every resnet-family method (README "The demo"): held-out shapes
# (`cam demo-data --seed 777`), `cam run --metrics` with every method but RefineCAM on the package's layer, RefineCAM
# on features.7,features (it needs two layers; its fused map is scored), then per method the means of the stored
# columns over the rank-0 results. Prints one JSON object per method (with the run's seconds and the load average).
# Usage, from the repository root after `dotnet build src/Cam.Cli -c Release`:
#   COUNT=500 docs/bench/demo-methods.sh > docs/bench/demo-methods.jsonl
set -euo pipefail
cam=${CAM:-src/Cam.Cli/bin/Release/net10.0/cam}
count=${COUNT:-500}
work=${WORK:-/tmp/cam-demo-methods}
methods=${METHODS:-"cam,scorecam,sscam,iscam,gradcam,gradcampp,smoothgradcampp,xgradcam,layercam,hirescam,gradcamelementwise,eigencam,eigengradcam,kpcacam,fem,ablationcam,shapleycam,fullgrad,finercam,randomcam"}
rm -rf "$work" && mkdir -p "$work"
"$cam" demo-data --out "$work/heldout" --count "$count" --seed 777 > /dev/null
run() {
  local label=$1; shift
  local load start
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  start=$(date +%s)
  "$cam" run --dataset "$work/heldout/manifest.csv" --model samples/shapes-model --metrics --no-report --json \
    --out "$work/$label" "$@" | tail -n 1 > "$work/$label.json"
  echo "$label $load $(( $(date +%s) - start ))" >> "$work/runs.txt"
}
run all --methods "$methods"
run refine --methods refinecam --layers features.7,features
WORK=$work python3 - <<'PY'
import json, os, sqlite3
work = os.environ["WORK"]
runs = {l.split()[0]: l.split()[1:] for l in open(os.path.join(work, "runs.txt"))}
for label in ("all", "refine"):
    summary = json.load(open(os.path.join(work, label + ".json")))
    assert summary["state"] == "completed", summary
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
PY
