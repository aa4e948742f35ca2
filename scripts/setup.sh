#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build, run and test vodstudio.
# Idempotent: when everything is there it only checks, in about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# One list, grouped by what needs it.
APT_PACKAGES=(
  # build: C toolchain, pkg-config, clang for ffmpeg-sys bindgen
  build-essential pkg-config clang libclang-dev
  # ffmpeg-next (FFmpeg 5.1 in Debian 12) and the ffmpeg/ffprobe CLIs (local engine, test media)
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavfilter-dev libavdevice-dev
  libswresample-dev ffmpeg
  # Tauri 2 (WebKitGTK 4.1, GTK 3, libsoup 3, D-Bus) + tray icon support
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev
  # WebKitGTK plays H.264/AAC HLS and DASH through GStreamer
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
  # headless tests: X server, D-Bus session, keyring, WebDriver, screenshots, benchmarks
  xvfb xauth dbus dbus-x11 gnome-keyring webkit2gtk-driver imagemagick hyperfine time bc
  # an independent S3/MediaConvert client for the local backend's interop test
  awscli
  # the preview player's browser test (playwright-core drives Debian's Chromium, headless)
  chromium
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${#missing[@]} Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Rust: the toolchain comes from rustup; we only check it is there and recent enough.
if ! command -v cargo >/dev/null 2>&1; then
  say "cargo not found: install Rust (https://rustup.rs) and run this again"; exit 1
fi
rust_minor=$(rustc --version | sed -E 's/^rustc 1\.([0-9]+).*/\1/')
if [ "${rust_minor:-0}" -lt 85 ]; then say "Rust 1.85 or newer is needed (found $(rustc --version))"; exit 1; fi

# Node.js 20.19+ for Vite; Debian 12's own nodejs (18) is too old, so only check.
if ! command -v node >/dev/null 2>&1; then
  say "installing Debian's nodejs/npm (Node 20.19+ is recommended for Vite)"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# UI dependencies: reinstall only when the lockfile changed since the last install.
if [ -f ui/package-lock.json ]; then
  if [ ! -f ui/node_modules/.package-lock.json ] || [ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]; then
    say "installing UI packages (npm ci)"
    (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  fi
fi

# tauri-driver: the WebDriver front for the app's end-to-end test (src-tauri/tests/studio_e2e.rs),
# in front of WebKitWebDriver (webkit2gtk-driver above). Built from crates.io, pinned.
TAURI_DRIVER_VERSION=2.1.0
if ! command -v tauri-driver >/dev/null 2>&1 \
  || ! cargo install --list | grep -q "^tauri-driver v$TAURI_DRIVER_VERSION:"; then
  say "installing tauri-driver $TAURI_DRIVER_VERSION (cargo install, about 2 minutes)"
  # Its own target dir, removed after: the workspace's stays free of it.
  tmp_target=$(mktemp -d)
  CARGO_TARGET_DIR="$tmp_target" cargo install --quiet --locked tauri-driver --version "$TAURI_DRIVER_VERSION"
  rm -rf "$tmp_target"
fi
