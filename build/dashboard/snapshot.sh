#!/usr/bin/env bash
# README's dashboard picture from a real run: `cam run --serve` on a generated demo dataset (with a few missing images,
# so that failures show), its /metrics scraped every second, then the dashboard's panels drawn from the scrapes.
# Usage: build/dashboard/snapshot.sh [IMAGES] [OUT.png]   (cam built: dotnet build src/Cam.Cli -c Release)
set -euo pipefail
cd "$(dirname "$0")/../.."
images="${1:-2000}" out="${2:-docs/images/dashboard.png}" port=8097
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cam="src/Cam.Cli/bin/Release/net10.0/cam"
"$cam" demo-data --out "$work/shapes" --count "$images" --size 96 >/dev/null
for i in $(seq 1 40); do echo "images/missing-$i.png,circle,,,," >> "$work/shapes/manifest.csv"; done
mkdir -p "$work/scrapes"
"$cam" run --dataset "$work/shapes/manifest.csv" --model samples/shapes-model --methods cam,scorecam,gradcam --workers 2 \
  --shard-size 32 --no-report --out "$work/out" --serve "$port" > "$work/run.log" 2>&1 &
run=$!
while kill -0 "$run" 2>/dev/null; do
  curl -sf "http://127.0.0.1:$port/metrics" > "$work/scrapes/run-$(date +%s%3N).txt" 2>/dev/null || true
  sleep 1
done
wait "$run" || true
tail -2 "$work/run.log"
find "$work/scrapes" -size 0 -delete
dotnet run --project build/dashboard -c Release -- "$work/scrapes" "$out" 10
