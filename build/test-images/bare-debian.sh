#!/usr/bin/env bash
# Builds a bare Debian 12 (bookworm) image from Debian's packages: debootstrap --variant=minbase plus only the libraries
# Microsoft lists as .NET's dependencies on Debian 12 (what installing the SDK brings: ICU, OpenSSL, Kerberos, zlib, CA
# certificates); no compiler, no patchelf, no Python. For the test that README's first command works on a fresh machine
# that has nothing but the .NET SDK. The tag carries a hash of this script, so an image that exists is not built again.
# Prints the image as a shell assignment: CAM_TEST_BARE_IMAGE=...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hash="$(sha256sum "$here/bare-debian.sh" | cut -c1-12)"
image="cam-test/debian-bare:12-$hash"

if docker image inspect "$image" >/dev/null 2>&1; then
  echo "test image exists: $image" >&2
else
  command -v debootstrap >/dev/null || { echo "error: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
  rootfs="$(mktemp -d /var/tmp/cam-bare-rootfs.XXXXXX)"
  trap 'rm -rf "$rootfs"' EXIT
  echo "debootstrap a minimal bookworm into $rootfs (a minute or two)" >&2
  debootstrap --variant=minbase --include=libicu72,libssl3,libgssapi-krb5-2,zlib1g,ca-certificates bookworm "$rootfs" \
    "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >&2
  rm -rf "$rootfs/var/cache/apt/archives"/*.deb "$rootfs/var/lib/apt/lists"/*
  tar -C "$rootfs" -c . | docker import --change "ENV LANG=C.UTF-8" - "$image" >&2
  echo "built $image" >&2
fi
echo "CAM_TEST_BARE_IMAGE=$image"
