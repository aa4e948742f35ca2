#!/usr/bin/env bash
# Runs the whole test suite: Rust (core, CLI, local backend, app) and the UI's unit tests.
# Installs what is missing first (scripts/setup.sh). Extra arguments go to `cargo test`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

(cd ui && npm run --silent build)   # the app embeds ui/dist at compile time
cargo test --workspace --locked "$@"
(cd ui && npm run --silent check && npm test --silent)
