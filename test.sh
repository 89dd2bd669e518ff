#!/usr/bin/env bash
# The project's test command: builds the solution in Release and runs every test project.
# Storage cases run on SQLite always and on PostgreSQL when CAM_TEST_POSTGRES names a server; with
# CAM_TEST_REQUIRE_POSTGRES=1 (as .ci/run sets) its absence is an error, not a silent skip.
set -euo pipefail
cd "$(dirname "$0")"
if [ -n "${CAM_TEST_POSTGRES:-}" ]; then
  echo "storage providers: sqlite, postgres (CAM_TEST_POSTGRES)"
elif [ "${CAM_TEST_REQUIRE_POSTGRES:-}" = "1" ]; then
  echo "CAM_TEST_REQUIRE_POSTGRES=1 but CAM_TEST_POSTGRES is not set: the PostgreSQL storage cases cannot run" >&2
  exit 1
else
  echo "storage providers: sqlite only (set CAM_TEST_POSTGRES to a PostgreSQL connection string to add it)"
fi
# Layout as .editorconfig declares it (indentation, spacing, braces, final newlines): dotnet format's whitespace pass
# needs no build (about 15 s of CPU, 40 s on an idle 2-core machine). `dotnet format whitespace --folder` fixes it.
dotnet format whitespace --folder --verify-no-changes --include src/ tests/ build/
dotnet build Cam.sln -c Release
# dotnet test runs the test projects as many at a time as there are cores, in Cam.sln's order: the solution lists them
# longest first (the integration tests, then the engine's, the audit's, the jobs'), so that the short ones fill in
# beside the long ones instead of the longest starting last (on 2 cores it started after four others, 4 min in).
dotnet test Cam.sln -c Release --no-build "$@"
