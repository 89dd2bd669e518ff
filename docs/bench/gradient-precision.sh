#!/usr/bin/env bash
# Grad-CAM (or METHOD) with its forward and backward in float32, then at once in bfloat16 + channels-last (and float32
# channels-last), ROUNDS times in turn on this machine: `cam bench --arch resnet18 --size 224 --batch 16 --threads 2`.
# Each JSON line gets the round and the load average read just before it. Usage, from the repository root after
# `dotnet build src/Cam.Cli -c Release`:  docs/bench/gradient-precision.sh > docs/bench/gradcam-precision-cpu.jsonl
set -euo pipefail
cam=${CAM:-src/Cam.Cli/bin/Release/net10.0/cam}
rounds=${ROUNDS:-3}
method=${METHOD:-gradcam}
variants=${VARIANTS:-"float32|bfloat16,channels-last|float32,channels-last"}
IFS='|' read -r -a list <<< "$variants"
for round in $(seq "$rounds"); do
  for variant in "${list[@]}"; do
    dtype=${variant%%,*}
    flags=(--dtype "$dtype")
    [[ $variant == *channels-last* ]] && flags+=(--channels-last)
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    line=$("$cam" bench --method "$method" --arch resnet18 --size 224 --batch 16 --threads 2 --warmup 2 "${flags[@]}")
    LINE=$line ROUND=$round LOAD=$load python3 -c '
import json, os
d = json.loads(os.environ["LINE"])
d["round"] = int(os.environ["ROUND"])
d["loadavg_before"] = os.environ["LOAD"]
print(json.dumps(d))'
  done
done
