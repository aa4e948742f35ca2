#!/usr/bin/env bash
# Prints the time from `vodstudio preview` to the first frame on the local backend (a figure, not a
# test): a generated 30 s 1080p clip goes through the queue once, then each round starts the
# preview command and opens its page in headless Chromium (already running).
#   scripts/bench-preview.sh [ROUNDS]   (default 5; needs scripts/setup.sh and `npm run build` in ui/)
#   VODSTUDIO_BIN=path/to/vodstudio scripts/bench-preview.sh   (measure that binary, no build)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-5}"
target="${CARGO_TARGET_DIR:-target}"
if [ -n "${VODSTUDIO_BIN:-}" ]; then
  bin="$VODSTUDIO_BIN"; build="given ($bin)"
else
  cargo build --release --bin vodstudio >&2
  bin="$(realpath "$target/release/vodstudio")"; build="release"
fi
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
ffmpeg -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=30:duration=30 \
  -f lavfi -i sine=frequency=440:duration=30 -c:v libx264 -preset veryfast -c:a aac "$work/clip.mp4"
export VODSTUDIO_DATA_DIR="$work/data"
"$bin" process "$work/clip.mp4" >/dev/null
asset="$("$bin" status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')"
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); build: $build; clip: 30 s 1080p H.264 (web-ladder: 4 HLS rungs, DASH, MP4)"
(cd ui && node e2e/bench-first-frame.mjs --bin "$bin" --data "$VODSTUDIO_DATA_DIR" --asset "$asset" --rounds "$rounds")
