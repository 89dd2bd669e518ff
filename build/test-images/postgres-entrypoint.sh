#!/bin/sh
# Entrypoint of the local PostgreSQL test image: honours the official image's POSTGRES_USER, POSTGRES_PASSWORD,
# POSTGRES_DB and PGDATA, initialises the cluster on first start only (a restarted container keeps its data)
# and passes extra "-c name=value" arguments to postgres, as the official image does.
set -eu
POSTGRES_USER="${POSTGRES_USER:-postgres}"
POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
PGDATA="${PGDATA:-/var/lib/postgresql/data}"
export PGDATA
[ "${1:-}" = "postgres" ] && shift

mkdir -p "$PGDATA" /var/run/postgresql
chown postgres:postgres "$PGDATA" /var/run/postgresql
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "${POSTGRES_PASSWORD:-}" ]; then
    echo "error: POSTGRES_PASSWORD must be set" >&2
    exit 1
  fi
  pwfile="$(mktemp)"
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  chown postgres "$pwfile"
  runuser -u postgres -- initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  {
    echo "host all all 0.0.0.0/0 scram-sha-256"
    echo "host all all ::/0 scram-sha-256"
  } >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  if [ "$POSTGRES_DB" != "postgres" ]; then
    runuser -u postgres -- pg_ctl -w -o "-c listen_addresses=''" start >/dev/null
    runuser -u postgres -- createdb --username="$POSTGRES_USER" "$POSTGRES_DB"
    runuser -u postgres -- pg_ctl -w -m fast stop >/dev/null
  fi
  echo "initialised database $POSTGRES_DB for user $POSTGRES_USER"
fi

exec runuser -u postgres -- postgres "$@"
