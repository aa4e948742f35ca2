#!/usr/bin/env bash
# Benchmark (printed figures, not a test): vodstudio's in-process probe and thumbnail against the
# ffmpeg CLIs, side by side in one run, on generated 1080p H.264 media.
#   scripts/bench-media.sh            # release build, 20 runs each
#   RUNS=50 scripts/bench-media.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-20}"
command -v hyperfine >/dev/null || scripts/setup.sh
cargo build --release --locked --quiet --bin vodstudio
BIN="${CARGO_TARGET_DIR:-target}/release/vodstudio"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

echo "generating media in $work ..." >&2
ffmpeg -hide_banner -loglevel error -nostdin -y -f lavfi -i testsrc2=size=1920x1080:rate=30:duration=30 \
  -f lavfi -i sine=duration=30:sample_rate=48000 -ac 2 -c:v libx264 -preset veryfast -g 60 -pix_fmt yuv420p \
  -c:a aac "$work/clip.mp4"
mkdir -p "$work/many"
for i in $(seq -w 1 100); do ln -s "$work/clip.mp4" "$work/many/clip$i.mp4"; done

hf() { hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$work/$1.json" "${@:2}" >/dev/null; }
hf probe1 "$BIN probe --json $work/clip.mp4" "ffprobe -v error -show_format -show_streams $work/clip.mp4"
hf probe100 "bash -c '$BIN probe --json $work/many/*.mp4 >/dev/null'" \
  "bash -c 'for f in $work/many/*.mp4; do ffprobe -v error -show_format -show_streams \$f >/dev/null; done'"
hf thumb "$BIN thumbnail $work/clip.mp4 -o $work/ours.jpg" \
  "ffmpeg -v error -nostdin -y -ss 7 -i $work/clip.mp4 -frames:v 1 $work/theirs.jpg"

python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
rows = [("probe, 1 file", "probe1", 1.0), ("probe, 100 files (1 call vs 100 calls)", "probe100", 0.3),
        ("thumbnail at 7 s (1080p H.264)", "thumb", 1.0)]
print(f"{'task':42} {'vodstudio':>12} {'ffmpeg CLI':>12} {'ratio':>7} {'target':>7}")
for name, key, target in rows:
    r = json.load(open(f"{work}/{key}.json"))["results"]
    ours, theirs = r[0]["mean"] * 1000, r[1]["mean"] * 1000
    ratio = ours / theirs
    ok = "ok" if ratio <= target else "MISS"
    print(f"{name:42} {ours:10.1f}ms {theirs:10.1f}ms {ratio:6.2f}x {'≤'+str(target)+'x':>7} {ok}")
PY
