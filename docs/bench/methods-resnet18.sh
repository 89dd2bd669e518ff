#!/usr/bin/env bash
# Each method issue 24 added, with Grad-CAM first as the yardstick, one after the other on this machine:
# `cam bench --method M --arch resnet18 --size 224 --batch BATCH --threads 2` (float32, top-1, random weights),
# RefineCAM on layer3,layer4, the others on the located layer (layer4). Each JSON line gets the load average read just
# before it. Usage, from the repository root after `dotnet build src/Cam.Cli -c Release`:
#   docs/bench/methods-resnet18.sh > docs/bench/methods-resnet18-cpu.jsonl
set -euo pipefail
cam=${CAM:-src/Cam.Cli/bin/Release/net10.0/cam}
batch=${BATCH:-4}
methods=${METHODS:-"gradcam hirescam gradcamelementwise eigencam eigengradcam kpcacam fem ablationcam shapleycam fullgrad finercam refinecam randomcam"}
for method in $methods; do
  layers=()
  [[ $method == refinecam ]] && layers=(--layers layer3,layer4)
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  line=$("$cam" bench --method "$method" --arch resnet18 --size 224 --batch "$batch" --threads 2 "${layers[@]}")
  LINE=$line LOAD=$load python3 -c '
import json, os
d = json.loads(os.environ["LINE"])
d["loadavg_before"] = os.environ["LOAD"]
print(json.dumps(d))'
done
