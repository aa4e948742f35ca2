#!/usr/bin/env bash
# Builds the desktop app in release mode and packages it as a Debian package, offline once the
# crates and npm packages are fetched (only the `deb` bundler runs: AppImage would download its
# tools). Prints the path of the .deb last.
#
#   scripts/build-deb.sh                  then: sudo apt install ./<printed path>
#
# The release build goes to $CARGO_TARGET_DIR (default /var/tmp/vodstudio-release-target, apart
# from the debug builds' target dir).
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/vodstudio-release-target}"
export CARGO_INCREMENTAL=0

scripts/setup.sh
# tauri.conf.json has no beforeBuildCommand: the UI is built here, and embedded in the binary
# (frontendDist = ui/dist) when the app crate compiles.
(cd ui && npm run --silent build)

# The Tauri CLI (`cargo tauri`), the newest 2.x on crates.io. Built from crates.io
# once: the npm package's prebuilt binaries are not all mirrored where these machines fetch from,
# which breaks `npm ci` on the lockfile. Run from the repo root, it finds src-tauri/tauri.conf.json.
# The bundler adds libwebkit2gtk-4.1-0, libgtk-3-0 and the appindicator library to the package's
# Depends; tauri.conf.json adds the GStreamer plugins the player needs.
TAURI_CLI_VERSION=2.11.5
if ! cargo install --list | grep -q "^tauri-cli v$TAURI_CLI_VERSION:"; then
  echo "build-deb: installing tauri-cli $TAURI_CLI_VERSION (cargo install, once, several minutes)" >&2
  CARGO_TARGET_DIR="$CARGO_TARGET_DIR/tauri-cli" cargo install --quiet --locked tauri-cli --version "$TAURI_CLI_VERSION"
fi
tauri="cargo tauri"
log="$CARGO_TARGET_DIR/build-deb.log"
mkdir -p "$CARGO_TARGET_DIR"
$tauri build --no-bundle --ci 2>&1 | tee "$log"
# The release profile keeps line tables (backtraces in development): about 230 MB of the
# binary's 285 MB. The package ships it without them (51 MB).
strip --strip-debug "$CARGO_TARGET_DIR/release/vodstudio-app"
$tauri bundle --bundles deb --ci 2>&1 | tee -a "$log"

# The CLI names the package <productName>_<version>_<arch>.deb; take the newest one.
deb=$(ls -t "$CARGO_TARGET_DIR"/release/bundle/deb/*.deb 2>/dev/null | head -n 1)
if [ -z "$deb" ]; then
  echo "build-deb: no .deb under $CARGO_TARGET_DIR/release/bundle/deb (log: $log)" >&2
  exit 1
fi
echo "$deb"
