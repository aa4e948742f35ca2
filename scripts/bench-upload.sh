#!/usr/bin/env bash
# Benchmark (printed figures, not a test): uploads to the embedded S3 server on 127.0.0.1.
#  1. a 1 GiB file: `vodstudio upload` vs `aws s3 cp` (awscli) on the same server, same run;
#  2. peak RSS of `vodstudio upload` for a 5 GiB file (memory must not grow with file size);
#  3. bytes re-sent after a kill -9 at about 50 %.
#   scripts/bench-upload.sh          (SIZE_GIB=1 BIG_GIB=5 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_GIB="${SIZE_GIB:-1}"; BIG_GIB="${BIG_GIB:-5}"
command -v aws >/dev/null || python3 -m pip install --quiet awscli
command -v /usr/bin/time >/dev/null || scripts/setup.sh
cargo build --release --locked --quiet --bin vodstudio
BIN="$(realpath "${CARGO_TARGET_DIR:-target}")/release/vodstudio"
work=$(mktemp -d); server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

"$BIN" local serve --data "$work/local" --bucket bench > "$work/env" 2> "$work/server.log" &
server=$!
for _ in $(seq 100); do [ "$(wc -l < "$work/env")" -ge 4 ] && break; sleep 0.1; done
[ "$(wc -l < "$work/env")" -ge 4 ] || { echo "the local backend did not start:" >&2; cat "$work/server.log" >&2; exit 1; }
set -a; . "$work/env"; set +a
export AWS_CONFIG_FILE=/nonexistent AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE

echo "making a ${SIZE_GIB} GiB and a ${BIG_GIB} GiB file in $work ..." >&2
head -c "$((SIZE_GIB << 30))" /dev/urandom > "$work/one.bin"
truncate -s "$((BIG_GIB << 30))" "$work/big.bin"   # sparse: reading it costs no disk

secs() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
ours=$(secs env VODSTUDIO_DATA_DIR="$work/app1" "$BIN" upload "$work/one.bin" --to s3://bench/ours.bin)
theirs=$(secs aws s3 cp --only-show-errors --endpoint-url "$AWS_ENDPOINT_URL_S3" "$work/one.bin" s3://bench/aws.bin)
mib=$((SIZE_GIB * 1024))

/usr/bin/time -f "%M" -o "$work/rss" env VODSTUDIO_DATA_DIR="$work/app2" "$BIN" upload "$work/big.bin" --to s3://bench/big.bin >/dev/null 2>&1
rss_mib=$(( $(cat "$work/rss") / 1024 ))

# Kill at ~50 %: the capped run would take 8 s, so kill after 4 s; then rerun uncapped.
env VODSTUDIO_DATA_DIR="$work/app3" "$BIN" upload "$work/one.bin" --to s3://bench/killed.bin \
  --limit-rate "$((SIZE_GIB * 128))M" >/dev/null 2>&1 & up=$!
sleep 4; kill -9 "$up"; wait "$up" 2>/dev/null || true
on_server=$(find "$work/local/s3/uploads" -type f ! -name '*.json' -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s+0}')
rerun=$(env VODSTUDIO_DATA_DIR="$work/app3" "$BIN" upload "$work/one.bin" --to s3://bench/killed.bin --json)
sent=$(echo "$rerun" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_sent"])')
total=$((SIZE_GIB << 30)); resent=$(( sent - (total - on_server) )); part=$((8 << 20))

printf '%-52s %s\n' "1 GiB upload, vodstudio" "$(printf '%.2f s  %.0f MiB/s' "$ours" "$(echo "$mib / $ours" | bc -l)")"
printf '%-52s %s\n' "1 GiB upload, aws s3 cp" "$(printf '%.2f s  %.0f MiB/s' "$theirs" "$(echo "$mib / $theirs" | bc -l)")"
printf '%-52s %.2fx  (target ≥ 1.5x)\n' "throughput, vodstudio / awscli" "$(echo "$theirs / $ours" | bc -l)"
printf '%-52s %d MiB  (target ≤ 100 MiB)\n' "peak RSS, ${BIG_GIB} GiB upload" "$rss_mib"
printf '%-52s %d of %d bytes on the server at the kill\n' "kill -9 at ~50 %" "$on_server" "$total"
printf '%-52s %d bytes = %.1f parts  (target ≤ parts in flight: 6)\n' "re-sent after the kill" "$resent" "$(echo "$resent / $part" | bc -l)"
