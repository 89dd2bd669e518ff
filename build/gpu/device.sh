#!/usr/bin/env bash
# The GPU device kit, run on the device in one command from the root of a copy of the working tree that carries
# gpu-kit/ (made by build/gpu/pack.sh):
#
#   bash build/gpu/device.sh [--budget-s 480] [--only STEP,STEP…]     # on the GPU machine; writes into $OUT
#   bash build/gpu/device.sh --cpu-dry-run                            # here: every step but the shim build, on CPU
#
# Steps, in order of value, each with its own timeout, all within the time budget (a step that would start with less
# than 20 s left is skipped and says so); a failed step is recorded and the run goes on:
#   diagnostics   nvidia-smi, Python, PyTorch (CUDA, cuDNN, C++ ABI), nvcc, g++, cores
#   unpack        the packed cam (self-contained .NET, no libtorch) into a work folder
#   shim          libLibTorchSharp.so built against the device's PyTorch (build-shim.sh), copied to $OUT; skipped when
#                 gpu-kit/prebuilt/libLibTorchSharp.so exists (then that one is used)
#   torch-info    cam loads the device's libtorch through the shim and sees CUDA
#   parity-*      cam parity on the reference fixtures (Score-CAM family and gradient methods), float32 then bfloat16
#   oom-backoff   cam bench with a chunk size far above the free memory: must halve, finish, and match the planned run
#   bench-*       cam bench, Score-CAM, resnet18/resnet50 @224, batch 32, top-1/top-5, float32 and bfloat16 channels-last
#   anchors-*     torchcam's and pytorch-grad-cam's Score-CAM on the same models, batch and classes (anchors.py)
# $OUT gets report.json (rewritten after every step), log.txt, shim-build.log and libLibTorchSharp.so.
set -uo pipefail
# The whole script is one block, read before it runs: editing the file during a run cannot change that run.
{
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

mode=device budget="" only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --cpu-dry-run) mode=dry-run; shift ;;
    --budget-s) budget="$2"; shift 2 ;;
    --only) only=",$2,"; shift 2 ;;
    *) echo "device.sh: unknown argument $1 (--cpu-dry-run, --budget-s N, --only STEP,…)" >&2; exit 2 ;;
  esac
done

kit="$root/gpu-kit"
fixtures="$root/tests/Cam.Engine.Tests/Fixtures"
if [ "$mode" = device ]; then
  OUT="${OUT:-$root/gpu-out}"
  budget="${budget:-480}"
  python=python3
  [ -x /opt/torch/.venv/bin/python3 ] && python=/opt/torch/.venv/bin/python3
  dev=cuda size=224 batch=32 grad_batch=64 archs="resnet18 resnet50" threads_arg=()
  # 16384 is every masked input of the batch (8 × 2048) at once: about 180 GB of activations, past an H200's 141 GB.
  # 4096 (about 45 GB at roughly 11 MB an image) would fit on an H100 and never exercise the back-off.
  oom_args=(--arch resnet50 --size 224 --batch 8 --chunk-size "${CAM_OOM_CHUNK:-16384}")
  parity_cases=()
  anchor_chunk=128
else
  OUT="${OUT:-$root/artifacts/gpu-dry-run/out}"
  budget="${budget:-1500}"
  python=python3
  [ -x /usr/bin/python3 ] && python=/usr/bin/python3
  # Small sizes: the same steps and commands, resnet18 only, a few parity cases (one of each kind), on 2 CPU cores.
  dev=cpu size=64 batch=2 grad_batch=2 archs="resnet18" threads_arg=(--threads 2)
  oom_args=(--arch resnet18 --size 64 --batch 2 --chunk-size 1024)
  parity_cases=(--case cam_int_class --case scorecam_two_layers_fused --case locate_resnet18 --case gradcam_layer4)
  anchor_chunk=64
fi
mkdir -p "$OUT"
rm -f "$OUT/report.json" "$OUT/log.txt" "$OUT/shim-build.log" "$OUT/libLibTorchSharp.so"
work="${CAM_GPU_WORK:-${TMPDIR:-/tmp}/cam-gpu-kit}"
rm -rf "$work"
mkdir -p "$work"
steps="$work/steps.jsonl"
started="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
deadline=$((SECONDS + budget))

exec > >(tee "$OUT/log.txt") 2>&1
tee_pid=$!
echo "device.sh: $mode run, budget ${budget}s, started $started, OUT=$OUT, work=$work, python=$python"

assemble() {
  "$python" "$here/report.py" assemble --steps "$steps" --out "$OUT/report.json" --mode "$mode" --started "$started" \
    --budget "$budget" --manifest "$kit/MANIFEST.json" || echo "device.sh: could not write report.json"
}

note_step() {  # name status note: a step that did not run a command
  echo "=== [$1] $2: $3"
  "$python" "$here/report.py" record --steps "$steps" --name "$1" --status "$2" --note "$3"
  assemble
}

# With --only, the setup steps run all the same: every other step needs them.
selected() {
  case "$1" in diagnostics|unpack|shim|torch-info) return 0 ;; esac
  [ -z "$only" ] || [[ "$only" == *",$1,"* ]]
}

# run_step NAME TIMEOUT_S COMMAND…: runs the command with a timeout capped by the time left, records it, returns its code.
run_step() {
  local name="$1" limit="$2"; shift 2
  if ! selected "$name"; then return 0; fi
  local left=$((deadline - SECONDS))
  if [ "$left" -lt 20 ]; then note_step "$name" skipped "out of time budget (${left}s left)"; return 1; fi
  [ "$limit" -gt "$left" ] && limit=$left
  echo "=== [$name] $(date -u +%T) timeout ${limit}s: $*"
  local start=$SECONDS rc status
  timeout --kill-after=10 "$limit" "$@" >"$work/$name.out" 2>"$work/$name.err"
  rc=$?
  # 3 is build-shim.sh's "linked without the sources that did not compile".
  case $rc in 0) status=ok ;; 124|137) status=timeout ;; 3) status=partial ;; *) status=failed ;; esac
  head -c 20000 "$work/$name.out"
  if [ -s "$work/$name.err" ]; then echo "--- stderr (tail)"; tail -c 4000 "$work/$name.err"; fi
  echo "=== [$name] $status (exit $rc) in $((SECONDS - start))s"
  "$python" "$here/report.py" record --steps "$steps" --name "$name" --status "$status" --rc "$rc" \
    --seconds "$((SECONDS - start))" --timeout "$limit" --cmd "$*" --stdout "$work/$name.out" --stderr "$work/$name.err"
  assemble
  return $rc
}

# --- diagnostics
command -v nvidia-smi >/dev/null && nvidia-smi
run_step diagnostics 60 "$python" "$here/diagnostics.py"

# --- unpack cam
have_cam=""
if [ ! -f "$kit/cam.tar.xz" ]; then
  note_step unpack failed "gpu-kit/cam.tar.xz is missing: run build/gpu/pack.sh and carry gpu-kit"
else
  run_step unpack 120 tar -xJf "$kit/cam.tar.xz" -C "$work" && [ -x "$work/cam/cam" ] && have_cam=1
fi
cam="$work/cam/cam"

# --- the shim and the libtorch it loads
have_shim="" torch_lib=""
if [ "$mode" = device ]; then
  torch_lib="$("$python" -c 'import os, torch; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null)"
  if [ -f "$kit/prebuilt/libLibTorchSharp.so" ]; then
    cp "$kit/prebuilt/libLibTorchSharp.so" "$work/libLibTorchSharp.so" && have_shim=1
    note_step shim skipped "gpu-kit/prebuilt/libLibTorchSharp.so used, no build"
  else
    run_step shim 330 bash "$here/build-shim.sh" --sources "$kit/torchsharp-native/src/Native" --out "$work/shim" \
      --python "$python" --jobs "$(nproc)" --allow-partial
    [ -f "$work/shim/libLibTorchSharp.so" ] && cp "$work/shim/libLibTorchSharp.so" "$work/libLibTorchSharp.so" && have_shim=1
    tail -c $((8 * 1024 * 1024)) "$work/shim.out" > "$OUT/shim-build.log" 2>/dev/null
    [ -n "$have_shim" ] && cp "$work/libLibTorchSharp.so" "$OUT/libLibTorchSharp.so"
  fi
else
  nuget="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
  torch_lib="$(ls -d "$nuget"/libtorch-cpu-linux-x64/*/runtimes/linux-x64/native 2>/dev/null | sort -V | tail -1)"
  if [ -f "$root/artifacts/gpu-dry-run/libLibTorchSharp.so" ]; then
    cp "$root/artifacts/gpu-dry-run/libLibTorchSharp.so" "$work/libLibTorchSharp.so" && have_shim=1
    note_step shim skipped "dry run: no build; TorchSharp's CPU shim from the pack, libtorch from $torch_lib"
  else
    note_step shim failed "dry run: artifacts/gpu-dry-run/libLibTorchSharp.so missing: run build/gpu/pack.sh"
  fi
fi
if [ -n "$have_cam" ] && [ -n "$have_shim" ] && [ -d "$torch_lib" ]; then
  cp "$work/libLibTorchSharp.so" "$work/cam/"
  export LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "device.sh: cam at $cam, libtorch from $torch_lib"
  ready=1
else
  ready=""
fi

# cam_step NAME TIMEOUT ARGS…: a cam command, or a skipped step when cam or the shim is not there.
cam_step() {
  local name="$1" limit="$2"; shift 2
  if ! selected "$name"; then return 0; fi
  if [ -z "$ready" ]; then note_step "$name" skipped "cam, the shim or libtorch is missing (see the steps above)"; return 1; fi
  run_step "$name" "$limit" "$cam" "$@"
}

if [ "$mode" = device ]; then
  cam_step torch-info 90 torch-info --require-cuda
else
  cam_step torch-info 90 torch-info
fi
parity=(parity --fixtures "$fixtures/parity" --fixtures "$fixtures/parity-gradient" --device "$dev" "${threads_arg[@]}" "${parity_cases[@]}" --json)
cam_step parity-float32 180 "${parity[@]}"
cam_step parity-bfloat16 180 "${parity[@]}" --dtype bfloat16
cam_step oom-backoff 180 bench --method scorecam "${oom_args[@]}" --device "$dev" "${threads_arg[@]}" --warmup 0 --verify-chunking

bench() {  # bench ARCH DTYPE CLASSES TIMEOUT: one JSON line. The 65,536 masked forwards of a resnet50 batch warm the
  # device up well before the end; resnet18's 16,416 get one untimed explanation first.
  local extra=() tag="$2" warmup=1
  if [ "$2" = bfloat16 ]; then extra=(--channels-last); tag=bfloat16cl; fi
  if [ "$1" = resnet50 ]; then warmup=0; fi
  cam_step "bench-$1-$tag-top$3" "$4" bench --method scorecam --arch "$1" --size "$size" --batch "$batch" --classes "$3" \
    --device "$dev" --dtype "$2" "${extra[@]}" "${threads_arg[@]}" --warmup "$warmup"
}
anchors() {  # anchors NAME ARCH CLASSES TIMEOUT [EXTRA…]
  local name="$1" arch="$2" classes="$3" limit="$4"; shift 4
  run_step "$name" "$limit" "$python" "$here/anchors.py" --anchors "$kit/anchors" --device "$dev" --archs "$arch" \
    --size "$size" --batch "$batch" --classes "$classes" --chunk "$anchor_chunk" "${threads_arg[@]}" "$@"
}

# Grad-CAM: one forward kept with its graph and one backward per class, efficiency against exactly that (a few seconds).
gradbench() {  # gradbench ARCH CLASSES
  cam_step "bench-$1-gradcam-top$2" 90 bench --method gradcam --arch "$1" --size "$size" --batch "$grad_batch" --classes "$2" \
    --device "$dev" "${threads_arg[@]}" --warmup 1
}

for arch in $archs; do
  if [ "$arch" = resnet50 ]; then t=200; ta=300; else t=100; ta=150; fi
  bench "$arch" bfloat16 1 "$t"
  bench "$arch" float32 1 "$t"
  anchors "anchors-$arch-top1" "$arch" 1 "$ta"
  bench "$arch" bfloat16 5 "$t"
  bench "$arch" float32 5 "$t"
  if [ "$arch" = resnet18 ]; then gradbench resnet50 1; gradbench resnet50 5; fi
done
anchors anchors-resnet18-top5 resnet18 5 240
# pytorch-grad-cam converts activations to NumPy, which has no bfloat16: float16 autocast on the GPU (CPU autocast in
# PyTorch 1.13 takes bfloat16 only).
if [ "$mode" = device ]; then autocast=float16; else autocast=bfloat16; fi
anchors anchors-resnet18-autocast resnet18 1 150 --autocast "$autocast"

assemble
echo "=== summary"
"$python" "$here/report.py" table --report "$OUT/report.json"
echo "device.sh: done in ${SECONDS}s; report in $OUT/report.json"
exec >&- 2>&-
wait "$tee_pid" 2>/dev/null
exit 0
}
