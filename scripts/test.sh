#!/usr/bin/env bash
# Runs the whole test suite: Rust (core, CLI, local backend, app) and the UI's unit tests.
# Installs what is missing first (scripts/setup.sh). Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

if [ -f ui/package.json ]; then
  (cd ui && npm run --silent build)   # the app embeds ui/dist at compile time
fi
cargo test --workspace --locked "$@"
if [ -f ui/package.json ] && grep -q '"test"' ui/package.json; then
  (cd ui && npm test --silent)
fi
