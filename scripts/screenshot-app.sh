#!/usr/bin/env bash
# Builds the UI and the desktop app, runs the app under Xvfb with a throwaway HOME, waits until
# the header shows the version that came over IPC, and saves a screenshot of the screen.
#
#   scripts/screenshot-app.sh [OUT.png]        (default: artifacts/app-shell.png)
#
# Needs: node/npm, xvfb (xvfb-run, xauth), imagemagick (import, convert), webkit2gtk.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/artifacts/app-shell.png}"
mkdir -p "$(dirname "$out")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}"
# The header's status dot turns this green only once app_info answered over IPC.
ok_green='#3ddc97'
wait_s="${SCREENSHOT_WAIT_S:-60}"

(cd "$root/ui" && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)
(cd "$root" && cargo build -p vodstudio-app)
app="$CARGO_TARGET_DIR/debug/vodstudio-app"

# WebKit and GTK write caches, a D-Bus session and ~/.local/share/<identifier>: keep them out
# of the real home.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/home" "$tmp/config" "$tmp/data" "$tmp/cache" "$tmp/runtime"
chmod 700 "$tmp/runtime"

export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" \
  XDG_CACHE_HOME="$tmp/cache" XDG_RUNTIME_DIR="$tmp/runtime"
export APP="$app" OUT="$out" OK_GREEN="$ok_green" WAIT_S="$wait_s" LOG="$tmp/app.log"
# No GPU in CI containers: software rendering avoids EGL/DMA-BUF failures in WebKitGTK.
export WEBKIT_DISABLE_DMABUF_RENDERER=1 LIBGL_ALWAYS_SOFTWARE=1

status=0
xvfb-run -a -s "-screen 0 1280x800x24" bash -euo pipefail -c '
  "$APP" >"$LOG" 2>&1 &
  pid=$!
  trap "kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true" EXIT
  deadline=$((SECONDS + WAIT_S))
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "vodstudio-app exited before showing its window:" >&2; cat "$LOG" >&2; exit 1
    fi
    import -window root "$OUT"
    green_px=$(convert "$OUT" -fuzz 4% -fill black +opaque "$OK_GREEN" -fill white -opaque "$OK_GREEN" \
      -format "%[fx:round(mean*w*h)]" info:)
    [ "$green_px" -ge 12 ] && break
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "no app_info answer on screen after ${WAIT_S}s (last screenshot: $OUT); app log:" >&2
      cat "$LOG" >&2; exit 1
    fi
    # Nothing to await from outside the process: poll the screen, bounded by the deadline.
    sleep 0.5
  done
' || status=$?
sed 's/^/app: /' "$tmp/app.log" >&2 || true
[ "$status" -eq 0 ] && echo "screenshot: $out"
exit "$status"
