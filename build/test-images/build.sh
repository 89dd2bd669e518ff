#!/usr/bin/env bash
# Builds local equivalents of the official `postgres` and `rabbitmq` images from Debian bookworm's packages
# (debootstrap + docker import), for machines that cannot reach Docker Hub. One root file system serves
# both images; only the entrypoint differs. The tag carries a hash of this folder, so an image that exists
# is not built again and a changed entrypoint gives a new tag.
# Prints the images as shell assignments: CAM_TEST_POSTGRES_IMAGE=... and CAM_TEST_RABBITMQ_IMAGE=...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
hash="$(cat "$here/build.sh" "$here/postgres-entrypoint.sh" "$here/rabbitmq-entrypoint.sh" | sha256sum | cut -c1-12)"
pg_image="cam-test/postgres:15-$hash"
rabbit_image="cam-test/rabbitmq:3.10-$hash"

if docker image inspect "$pg_image" >/dev/null 2>&1 && docker image inspect "$rabbit_image" >/dev/null 2>&1; then
  echo "test images exist: $pg_image, $rabbit_image" >&2
else
  command -v debootstrap >/dev/null || { echo "error: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
  rootfs="$(mktemp -d /var/tmp/cam-test-rootfs.XXXXXX)"
  trap 'rm -rf "$rootfs"' EXIT
  echo "debootstrap bookworm with postgresql-15 and rabbitmq-server into $rootfs (a few minutes)" >&2
  debootstrap --variant=minbase --include=postgresql-15,rabbitmq-server bookworm "$rootfs" \
    "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >&2
  install -m 0755 "$here/postgres-entrypoint.sh" "$rootfs/usr/local/bin/postgres-entrypoint.sh"
  install -m 0755 "$here/rabbitmq-entrypoint.sh" "$rootfs/usr/local/bin/rabbitmq-entrypoint.sh"
  # Debian creates a default cluster at install; the image initialises its own under PGDATA instead.
  rm -rf "$rootfs/var/lib/postgresql/15/main" "$rootfs/etc/postgresql/15/main"
  rm -rf "$rootfs/var/cache/apt/archives"/*.deb "$rootfs/var/lib/apt/lists"/*
  path="/usr/lib/postgresql/15/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  tar -C "$rootfs" -c . | docker import \
    --change "ENV PATH=$path" --change "ENV PGDATA=/var/lib/postgresql/data" --change "EXPOSE 5432" \
    --change 'ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]' --change 'CMD ["postgres"]' \
    - "$pg_image" >&2
  tar -C "$rootfs" -c . | docker import \
    --change "ENV PATH=$path" --change "ENV LANG=C.UTF-8" --change "EXPOSE 5672" \
    --change 'ENTRYPOINT ["/usr/local/bin/rabbitmq-entrypoint.sh"]' \
    - "$rabbit_image" >&2
  echo "built $pg_image and $rabbit_image" >&2
fi
echo "CAM_TEST_POSTGRES_IMAGE=$pg_image"
echo "CAM_TEST_RABBITMQ_IMAGE=$rabbit_image"
