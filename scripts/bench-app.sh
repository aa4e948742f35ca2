#!/usr/bin/env bash
# Figures for the release desktop app: cold start to an interactive window, idle RSS, and RSS
# with 500 queued assets (app process alone, and with its WebKit processes). Printed, not tested.
#
#   scripts/bench-app.sh [ROUNDS]        (default 5 rounds of each)
#
# Uses the release build of scripts/build-deb.sh (built first if missing) and a release
# `vodstudio` CLI to seed the queue. Runs under its own Xvfb and D-Bus session, with a throwaway
# HOME and data dir per round (scripts/bench_app.py does the rounds); nothing touches your data.
# Screenshots and app logs stay in $OUT (default /var/tmp/vodstudio-bench-app).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
rounds="${1:-5}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/vodstudio-release-target}"
export CARGO_INCREMENTAL=0
out="${OUT:-/var/tmp/vodstudio-bench-app}"
app="$CARGO_TARGET_DIR/release/vodstudio-app"
cli="$CARGO_TARGET_DIR/release/vodstudio"

[ -x "$app" ] || scripts/build-deb.sh >&2
[ -x "$cli" ] || cargo build --release --locked --bin vodstudio >&2

rm -rf "$out"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 500 queued assets (state `probed`: probed, poster made, waiting for the upload): one short
# generated clip under 500 names (hard links: `add` keys assets on the path, so each name is its
# own asset, probed and given a poster like any file).
echo "seeding a queue with 500 assets..." >&2
mkdir -p "$work/media" "$work/seeded"
ffmpeg -loglevel error -f lavfi -i testsrc=duration=1:size=320x180:rate=25 \
  -c:v libx264 -pix_fmt yuv420p "$work/clip.mp4"
for i in $(seq -w 1 500); do ln "$work/clip.mp4" "$work/media/clip-$i.mp4"; done
VODSTUDIO_DATA_DIR="$work/seeded" "$cli" add "$work/media" >/dev/null
queued=$(VODSTUDIO_DATA_DIR="$work/seeded" "$cli" status --json | python3 -c \
  'import json,sys; print(sum(a["state"] == "probed" for a in json.load(sys.stdin)))')
echo "seeded: $queued queued assets" >&2
[ "$queued" -eq 500 ]
cp -a "$work/seeded" "$work/seeded.pristine"

echo "load before: $(uptime)" >&2
xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash -c '
  python3 "$0"/scripts/bench_app.py "$1" "$2" "$3" > "$3/empty.jsonl"
  python3 "$0"/scripts/bench_app.py "$1" "$2" "$3" "$4" > "$3/queued.jsonl"
' "$root" "$app" "$rounds" "$out" "$work/seeded" >&2   # (the a11y bus's chatter: not ours)
echo "load after: $(uptime)" >&2

python3 - "$out" <<'EOF'
import json, statistics, sys
out = sys.argv[1]
def load(name):
    with open(f"{out}/{name}") as f:
        return [json.loads(line) for line in f]
empty, queued = load("empty.jsonl"), load("queued.jsonl")
for r in empty + queued:
    print(f"round {r['round']} ({'500 queued' if r['queued'] else 'empty'}): start {r['start_ms']} ms "
          f"(in-app {r['start_in_app_ms']} ms), list_assets call {r['list_assets_ms']} ms, "
          f"settled screen {r['settled_screen_ms']} ms, RSS app {r['app_kib']} KiB, "
          f"web {r['web_kib']} KiB, total {r['total_kib']} KiB; {', '.join(r['children'])}")
def row(label, rows, key, unit):
    vals = [r[key] for r in rows if r[key] is not None and r[key] >= 0]
    if not vals:
        print(f"| {label} | n/a | |"); return
    f = (lambda v: f"{v / 1024:.0f} MiB") if unit == "kib" else (lambda v: f"{v:.0f} ms")
    print(f"| {label} | {f(statistics.median(vals))} | {', '.join(f(v) for v in vals)} |")
print()
print("| figure | median | samples |")
print("| --- | ---: | --- |")
row("cold start → interactive window (spawn → first IPC call, app_info)", empty, "start_ms", "ms")
row("  same, on the app's own clock (from `run`)", empty, "start_in_app_ms", "ms")
row("idle RSS, app process", empty, "app_kib", "kib")
row("idle RSS, WebKit processes", empty, "web_kib", "kib")
row("idle RSS, total", empty, "total_kib", "kib")
row("500 queued: spawn → list_assets call", queued, "list_assets_ms", "ms")
row("500 queued: spawn → screen settled (cards shown)", queued, "settled_screen_ms", "ms")
row("500 queued: RSS, app process", queued, "app_kib", "kib")
row("500 queued: RSS, WebKit processes", queued, "web_kib", "kib")
row("500 queued: RSS, total", queued, "total_kib", "kib")
print(f"\nscreenshots and logs: {out}")
EOF
