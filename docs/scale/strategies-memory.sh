#!/usr/bin/env bash
# Peak memory of `cam report --strategies` at a sample of n = STRATEGY_SAMPLE maps per class (docs/scale.md,
# "Strategies at scale"): the bundled demo run, its results replaced by RESULTS synthetic ones
# (docs/scale/strategies-1m.py: five classes, so each class holds about RESULTS / 5 maps, more than the sample), then
# the report with and without --strategies under /usr/bin/time -v, libtorch on one thread. Prints one JSON object
# (peak RSS, times, and per class the sample's size, k and eigenvalues, to compare two builds).
# Usage, from the repository root after `dotnet build src/Cam.Cli -c Release`:
#   CAM=src/Cam.Cli/bin/Release/net10.0/cam RESULTS=12000 STRATEGY_SAMPLE=2000 docs/scale/strategies-memory.sh
set -euo pipefail
cam=${CAM:-src/Cam.Cli/bin/Release/net10.0/cam}
results=${RESULTS:-12000}
sample=${STRATEGY_SAMPLE:-2000}
work=${WORK:-/tmp/cam-strategies-memory}
python=${PYTHON:-/usr/bin/python3}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
rm -rf "$work" && mkdir -p "$work"
"$cam" run --methods cam --out "$work/job" --json --no-report | tail -n 1 > "$work/run.json"
read -r db job < <("$python" -c 'import json, sys; s = json.load(open(sys.argv[1])); print(s["database"], s["job_id"])' \
  "$work/run.json")
"$python" docs/scale/strategies-1m.py "$db" "$job" "$results" > /dev/null
timed() {
  local name=$1; shift
  /usr/bin/time -v -o "$work/$name.time" "$@" > "$work/$name.out" 2>&1
}
load=$(cut -d' ' -f1-3 /proc/loadavg)
timed strategies "$cam" report "$job" --db "$db" --strategies --strategy-sample "$sample" --gallery 0 \
  --out "$work/report-strategies.html" --json-out "$work/report-strategies.json"
timed plain "$cam" report "$job" --db "$db" --gallery 0 --out "$work/report-plain.html"
"$python" - "$work" "$results" "$sample" "$load" <<'EOF'
import json, re, sys
work, results, sample, load = sys.argv[1:5]
def figures(name):
    text = open(f"{work}/{name}.time").read()
    get = lambda label: re.search(re.escape(label) + r": (.*)", text).group(1).strip()
    wall = get("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
    return {"peak_rss_mb": round(int(get("Maximum resident set size (kbytes)")) / 1024, 1),
            "wall_s": round(sum(float(p) * 60 ** i for i, p in enumerate(reversed(wall))), 2),
            "user_s": float(get("User time (seconds)")), "system_s": float(get("System time (seconds)"))}
audit = json.load(open(f"{work}/report-strategies.json"))
strategies = [{"class": s["class"], "maps": s["maps"], "sampled": s["sampled"], "k": s["k"],
               "eigenvalues": s["eigenvalues"]} for s in audit["strategies"]]
print(json.dumps({"results": int(results), "strategy_sample": int(sample), "loadavg_before": load,
                  "report_strategies": figures("strategies"), "report_plain": figures("plain"),
                  "strategies": strategies}))
EOF
