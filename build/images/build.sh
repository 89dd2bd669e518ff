#!/usr/bin/env bash
# Builds Cam's own images from the real Dockerfiles (deploy/docker/) on machines that cannot reach Microsoft's
# registry or, inside a build, nuget.org:
#   1. a runtime base and an SDK base on bare Debian 12 (build/test-images/bare-debian.sh: debootstrap), with the
#      .NET runtime / SDK copied from the SDK installed on this machine;
#   2. a local NuGet feed in the SDK base: the packages are restored here, through this machine's own NuGet
#      configuration, and the .nupkg files the restore chose are copied in (the build itself needs no network);
#   3. the scheduler and CPU worker images, passing the bases as SDK_IMAGE and ASPNET_IMAGE.
# With --gpu it also builds the CUDA worker (worker-gpu.Dockerfile on CUDA_IMAGE, by default nvidia/cuda from Docker
# Hub: only where that registry, or a mirror given as CUDA_IMAGE=..., is reachable).
# Every tag carries the version from Directory.Build.props and a hash of the image's inputs, so an image that exists
# is not built again; each is also tagged with the plain version, the tag the Kubernetes overlays and
# Cam.Testcontainers name. Prints the images as shell assignments:
#   CAM_SCHEDULER_IMAGE=...  CAM_WORKER_IMAGE=...  (and CAM_WORKER_GPU_IMAGE=... with --gpu)
set -euo pipefail
shopt -s inherit_errexit
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
gpu=""
for arg in "$@"; do
  case "$arg" in
    --gpu) gpu=1 ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "error: unknown argument '$arg' (known: --gpu)" >&2; exit 2 ;;
  esac
done

command -v docker >/dev/null || { echo "error: docker is missing" >&2; exit 1; }
command -v dotnet >/dev/null || { echo "error: the .NET SDK (dotnet) is missing" >&2; exit 1; }
command -v python3 >/dev/null || { echo "error: python3 is missing (it reads the restore's assets files)" >&2; exit 1; }
# The Dockerfiles' `# syntax=` line makes BuildKit fetch its frontend from Docker Hub; the classic builder reads them
# as they are. CAM_IMAGES_BUILDKIT=1 keeps BuildKit where that registry is reachable.
if [ "${CAM_IMAGES_BUILDKIT:-0}" != "1" ]; then export DOCKER_BUILDKIT=0; fi

version="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -1)"
[ -n "$version" ] || { echo "error: no <Version> in Directory.Build.props" >&2; exit 1; }
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
sdk_version="$(dotnet --version)"
runtime_version="$(ls "$dotnet_root/shared/Microsoft.AspNetCore.App" | sort -V | tail -1)"

eval "$("$root/build/test-images/bare-debian.sh")"
bare="$CAM_TEST_BARE_IMAGE"

work="$(mktemp -d /var/tmp/cam-images.XXXXXX)"
trap 'rm -rf "$work"' EXIT
exists() { docker image inspect "$1" >/dev/null 2>&1; }
hash_of() { sha256sum | cut -c1-12; }

# 1. The runtime base: the dotnet host and the shared runtimes (Microsoft.NETCore.App, Microsoft.AspNetCore.App).
runtime_hash="$(cat "$here/runtime-base.Dockerfile" <(echo "$bare $runtime_version") | hash_of)"
runtime_image="cam-build/aspnet-debian:$runtime_version-$runtime_hash"
if exists "$runtime_image"; then
  echo "runtime base exists: $runtime_image" >&2
else
  mkdir -p "$work/runtime/dotnet"
  cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dotnet_root/shared" "$dotnet_root/LICENSE.txt" "$work/runtime/dotnet/"
  docker build -q -f "$here/runtime-base.Dockerfile" --build-arg "BASE_IMAGE=$bare" -t "$runtime_image" "$work/runtime" >&2
  echo "built $runtime_image" >&2
fi

# 2. The packages: restored here exactly as the Dockerfiles restore, in a copy of the sources (the checkout's obj/
#    folders stay as they are), then the chosen .nupkg files laid out as a feed.
mkdir -p "$work/src" "$work/sdk/nuget-feed"
(cd "$root" && tar --exclude=bin --exclude=obj -c Directory.Build.props Directory.Build.targets Directory.Packages.props \
  src build) | tar -C "$work/src" -x
restore() { (cd "$work/src" && dotnet restore "$@" -r linux-x64 --verbosity quiet >&2); }
restore src/Cam.Scheduler/Cam.Scheduler.csproj
restore src/Cam.Worker/Cam.Worker.csproj -p:TorchBackend=cpu
if [ -n "$gpu" ]; then
  mkdir -p "$work/src-gpu" && cp -a "$work/src/." "$work/src-gpu/"
  (cd "$work/src-gpu" && dotnet restore src/Cam.Worker/Cam.Worker.csproj -r linux-x64 -p:TorchBackend=cuda \
    --verbosity quiet >&2)
fi
python3 - "$work/sdk/nuget-feed" "$work"/src*/src/*/obj/project.assets.json <<'PY'
import json, pathlib, shutil, sys
feed = pathlib.Path(sys.argv[1])
for assets in sys.argv[2:]:
    data = json.loads(pathlib.Path(assets).read_text())
    folders = [pathlib.Path(f) for f in data["packageFolders"]]
    # The packages the restore chose, and those it downloads besides (runtime packs: project.frameworks).
    paths = [library["path"] for library in data["libraries"].values() if library["type"] == "package"]
    for framework in data["project"]["frameworks"].values():
        for dependency in framework.get("downloadDependencies", []):
            paths.append(f'{dependency["name"].lower()}/{dependency["version"].strip("[]").split(",")[0].strip()}')
    for name in paths:
        source = next((f / name for f in folders if (f / name).is_dir()), None)
        if source is None:
            sys.exit(f"error: {name} is in {assets} but in no package folder")
        target = feed / name
        target.mkdir(parents=True, exist_ok=True)
        for file in source.iterdir():
            if file.name.endswith((".nupkg", ".nupkg.sha512", ".nuspec")):
                shutil.copy2(file, target / file.name)
PY

# 3. The SDK base with that feed.
feed_hash="$(cd "$work/sdk/nuget-feed" && find . -type f -name '*.nupkg' | sort | hash_of)"
sdk_hash="$(cat "$here/sdk-base.Dockerfile" "$here/NuGet.Config" <(echo "$bare $sdk_version $feed_hash") | hash_of)"
sdk_image="cam-build/sdk-debian:$sdk_version-$sdk_hash"
if exists "$sdk_image"; then
  echo "SDK base exists: $sdk_image" >&2
else
  mkdir -p "$work/sdk/dotnet"
  cp -al "$dotnet_root/." "$work/sdk/dotnet/" 2>/dev/null || cp -a "$dotnet_root/." "$work/sdk/dotnet/"
  cp "$here/NuGet.Config" "$work/sdk/NuGet.Config"
  docker build -q -f "$here/sdk-base.Dockerfile" --build-arg "BASE_IMAGE=$bare" -t "$sdk_image" "$work/sdk" >&2
  echo "built $sdk_image" >&2
fi

# 4. The images, from the repository root as deploy/README.md builds them; their hash covers everything the build
#    context holds for them.
sources_hash="$(cd "$root" && find Directory.Build.props Directory.Build.targets Directory.Packages.props .dockerignore \
  src build -type f -not -path '*/bin/*' -not -path '*/obj/*' | sort | xargs sha256sum | hash_of)"
build_image() { # name dockerfile runtime-arg...
  local name="$1" dockerfile="$2"; shift 2
  local tag_hash image
  tag_hash="$(cat "$root/deploy/docker/$dockerfile" <(echo "$sources_hash $sdk_image $*") | hash_of)"
  image="$name:$version-$tag_hash"
  if exists "$image"; then
    echo "image exists: $image" >&2
  else
    echo "building $image from deploy/docker/$dockerfile (a few minutes)" >&2
    docker build -f "$root/deploy/docker/$dockerfile" --build-arg "SDK_IMAGE=$sdk_image" \
      "${@/#/--build-arg=}" -t "$image" "$root" >&2
    echo "built $image" >&2
  fi
  docker tag "$image" "$name:$version"
  echo "$image"
}
scheduler="$(build_image cam-scheduler scheduler.Dockerfile "ASPNET_IMAGE=$runtime_image")"
worker="$(build_image cam-worker worker-cpu.Dockerfile "ASPNET_IMAGE=$runtime_image")"
echo "CAM_SCHEDULER_IMAGE=$scheduler"
echo "CAM_WORKER_IMAGE=$worker"
if [ -n "$gpu" ]; then
  gpu_args=("ASPNET_IMAGE=$runtime_image")
  [ -n "${CUDA_IMAGE:-}" ] && gpu_args+=("CUDA_IMAGE=$CUDA_IMAGE")
  echo "CAM_WORKER_GPU_IMAGE=$(build_image cam-worker-gpu worker-gpu.Dockerfile "${gpu_args[@]}")"
fi
