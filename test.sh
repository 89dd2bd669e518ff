#!/usr/bin/env bash
# The project's test command: builds the solution in Release and runs every test project.
set -euo pipefail
cd "$(dirname "$0")"
dotnet build Cam.sln -c Release
dotnet test Cam.sln -c Release --no-build "$@"
