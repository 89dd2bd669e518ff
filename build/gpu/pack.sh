#!/usr/bin/env bash
# Packs what a GPU device call needs into gpu-kit/ (ignored): cam published self-contained for linux-x64 without any
# libtorch (-p:TorchBackend=none), its framework trimmed to what it references, xz-compressed; TorchSharp's native shim
# sources and the anchor libraries from shared/vendor (shared/ does not travel). The device reads the parity fixtures in
# place under tests/. Prints the total that a device call carries (the working tree plus gpu-kit/) and fails when that
# leaves no room under the 64 MiB limit for a prebuilt shim. The CPU shim of the same publish goes to
# artifacts/gpu-dry-run/ for `device.sh --cpu-dry-run`; it does not travel.
#
#   bash build/gpu/pack.sh            # then: bash build/gpu/device.sh --cpu-dry-run (here) or, on the device, bash build/gpu/device.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root="$PWD"

limit=$((64 * 1024 * 1024))
# Room kept for gpu-kit/prebuilt/libLibTorchSharp.so on a second call (the CUDA-linked shim is about 2.5 MB).
shim_reserve=$((4 * 1024 * 1024))

shared="${CAM_SHARED:-}"
if [ -z "$shared" ]; then
  for candidate in ../shared ../../shared; do
    if [ -d "$candidate/vendor/torchsharp-native" ]; then shared="$(cd "$candidate" && pwd)"; break; fi
  done
fi
[ -n "$shared" ] && [ -d "$shared/vendor/torchsharp-native" ] && [ -d "$shared/vendor/anchors" ] \
  || { echo "pack: shared/vendor (torchsharp-native, anchors) not found; set CAM_SHARED" >&2; exit 1; }

kit="$root/gpu-kit"
publish_root="$root/artifacts/gpu-publish"
dry_run="$root/artifacts/gpu-dry-run"
publish="$publish_root/publish/Cam.Cli/release_linux-x64"

echo "pack: publishing cam (self-contained linux-x64, framework trimmed, TorchBackend=none)"
rm -rf "$publish"
# Partial trimming removes only unreferenced code of the framework's own (trimmable) assemblies: every application and
# library assembly stays whole, so reflection in EF Core, MassTransit or TorchSharp is unaffected. Trim-analysis
# warnings are about exactly those libraries and are not errors for this publish. Trimming turns reflection-based JSON
# off by default; cam (its reports, the fixture indexes) and its libraries use it.
dotnet publish src/Cam.Cli -c Release -r linux-x64 --self-contained true \
  -p:TorchBackend=none -p:PublishTrimmed=true -p:TrimMode=partial \
  -p:SuppressTrimAnalysisWarnings=true -p:ILLinkTreatWarningsAsErrors=false -p:JsonSerializerIsReflectionEnabledByDefault=true \
  -p:DebugType=none -p:GenerateDocumentationFile=false \
  --artifacts-path "$publish_root" -nologo -v quiet
[ -f "$publish/cam.dll" ] || { echo "pack: publish produced no cam.dll in $publish" >&2; exit 1; }

stage="$publish_root/stage"
rm -rf "$stage" "$kit" "$dry_run"
mkdir -p "$stage/cam" "$kit" "$dry_run"
cp -a "$publish/." "$stage/cam/"
# The stock shim is built for libtorch's CPU package: the device builds its own, the dry run uses this one.
mv "$stage/cam/libLibTorchSharp.so" "$dry_run/"
# Not needed to run cam parity, torch-info and bench: image decoding (SkiaSharp: no images on the device), the debugger
# and tracing support of the runtime, the alternative garbage collectors, and the apphosts of the scheduler and worker
# (their assemblies stay: cam references them).
(cd "$stage/cam" && rm -f libSkiaSharp.so libmscordaccore.so libmscordbi.so createdump libcoreclrtraceptprovider.so \
  libclrgc.so libclrgcexp.so Cam.Scheduler Cam.Worker Cam.Scheduler.runtimeconfig.json Cam.Worker.runtimeconfig.json \
  Cam.Scheduler.deps.json Cam.Worker.deps.json ./*.pdb)
XZ_OPT="-9 -T0" tar -cJf "$kit/cam.tar.xz" -C "$stage" cam
cp -a "$shared/vendor/torchsharp-native" "$kit/torchsharp-native"
cp -a "$shared/vendor/anchors" "$kit/anchors"
find "$kit" -name __pycache__ -prune -exec rm -rf {} +

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git status --porcelain 2>/dev/null | grep -v '^??' | head -1 || true)"
cat > "$kit/MANIFEST.json" <<JSON
{
  "commit": "$commit",
  "dirty": $([ -n "$dirty" ] && echo true || echo false),
  "packed_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "dotnet_runtime": "$(grep -o 'runtimepack.Microsoft.NETCore.App.Runtime.linux-x64/[0-9.]*' "$publish/cam.deps.json" | head -1 | cut -d/ -f2)",
  "cam_unpacked_bytes": $(du -sb "$stage/cam" | cut -f1)
}
JSON

# What a device call carries: tracked files and untracked files git does not ignore, plus gpu-kit/.
tree_bytes=$(git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s -- 2>/dev/null | awk '{s+=$1} END {print s+0}')
kit_bytes=$(du -sb "$kit" | cut -f1)
total=$((tree_bytes + kit_bytes))
mib() { awk -v b="$1" 'BEGIN {printf "%.1f MiB", b / 1048576}'; }
echo "pack: gpu-kit/ $(mib "$kit_bytes") (cam.tar.xz $(mib "$(stat -c %s "$kit/cam.tar.xz")"), unpacked $(mib "$(du -sb "$stage/cam" | cut -f1)"))"
echo "pack: working tree $(mib "$tree_bytes"); a device call carries $(mib "$total") of $(mib "$limit"), $(mib $((limit - total))) to spare"
if [ -f "$kit/prebuilt/libLibTorchSharp.so" ]; then shim_reserve=0; fi
if [ $((total + shim_reserve)) -gt "$limit" ]; then
  echo "pack: too big: $(mib "$total") plus $(mib "$shim_reserve") for a prebuilt shim exceeds $(mib "$limit")" >&2
  exit 1
fi
echo "pack: done; the dry run's CPU shim is in ${dry_run#"$root"/}"
