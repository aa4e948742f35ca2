#!/usr/bin/env bash
# Builds and runs the vodstudio desktop app (on the embedded local backend unless an AWS profile is set).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
(cd ui && npm run --silent build)
exec cargo run --locked -p vodstudio-app -- "$@"
