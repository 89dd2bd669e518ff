#!/usr/bin/env bash
# Makes TorchSharp's native shim load on hosts whose libstdc++ predates GLIBCXX_3.4.32 (GCC 13), e.g. Debian 12.
# On hosts that have the version it does nothing. Idempotent: a shim patched already is left alone.
# Usage: patch-libtorchsharp.sh SHIM_OUTPUT_DIR_FOR_HELPER_LIB FILE...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version=GLIBCXX_3.4.32
symbol=_ZSt21ios_base_library_initv
helper=libcam_ios_init.so

[ "$(uname -s)" = Linux ] || exit 0
libstdcxx="$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64|libstdc\+\+\.so\.6 \(libc6,x86-64\)/{print $NF; exit}')"
[ -n "$libstdcxx" ] || libstdcxx="$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6/{print $NF; exit}')"
if [ -n "$libstdcxx" ] && grep -qa "$version" "$libstdcxx"; then
  exit 0
fi

build_dir="$1"; shift
for tool in patchelf g++ python3; do
  command -v "$tool" >/dev/null || { echo "error: TorchSharp needs $version, which this host's libstdc++ lacks; patching it needs '$tool' (apt-get install patchelf g++)" >&2; exit 1; }
done

mkdir -p "$build_dir"
if [ ! -f "$build_dir/$helper" ] || [ "$here/ios_base_library_init.cpp" -nt "$build_dir/$helper" ]; then
  g++ -shared -fPIC -O2 -o "$build_dir/$helper.tmp" "$here/ios_base_library_init.cpp"
  mv "$build_dir/$helper.tmp" "$build_dir/$helper"
fi

for shim in "$@"; do
  [ -f "$shim" ] || continue
  dir="$(dirname "$shim")"
  cp -f "$build_dir/$helper" "$dir/$helper"
  if patchelf --print-needed "$shim" | grep -qx "$helper"; then
    continue
  fi
  python3 "$here/weaken_version_need.py" "$shim" "$version" || [ $? -eq 3 ]
  patchelf --clear-symbol-version "$symbol" "$shim"
  patchelf --add-needed "$helper" "$shim"
  runpath="$(patchelf --print-rpath "$shim")"
  case ":$runpath:" in
    *':$ORIGIN:'*|*':$ORIGIN/:'*) ;;
    *) patchelf --set-rpath "\$ORIGIN${runpath:+:$runpath}" "$shim" ;;
  esac
  echo "patched $shim for a libstdc++ without $version"
done
