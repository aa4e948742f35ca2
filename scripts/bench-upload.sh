#!/usr/bin/env bash
# Benchmark (printed figures, not a test): uploads to the embedded S3 server on 127.0.0.1.
#  1. a 1 GiB file: `vodstudio upload` vs `aws s3 cp` (awscli, default settings) on the same
#     server, ROUNDS alternating rounds (ours first in odd rounds, theirs first in even ones);
#     every sample is printed with the medians, the client's and the server's CPU time, and the
#     load average, since other work on the machine moves single runs by ±15 %;
#  2. peak RSS of `vodstudio upload` for a 5 GiB file (memory must not grow with file size);
#  3. bytes re-sent after a kill -9 at about 50 %.
#   scripts/bench-upload.sh          (SIZE_GIB=1 BIG_GIB=5 ROUNDS=5 by default)
# The server keeps its data, and the files live, under BENCH_TMP (default: the system temp dir),
# which needs about SIZE_GIB + BIG_GIB + 1 GiB free.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_GIB="${SIZE_GIB:-1}"; BIG_GIB="${BIG_GIB:-5}"; ROUNDS="${ROUNDS:-5}"
command -v aws >/dev/null || python3 -m pip install --quiet awscli
command -v /usr/bin/time >/dev/null || scripts/setup.sh
cargo build --release --locked --quiet --bin vodstudio
BIN="$(realpath "${CARGO_TARGET_DIR:-target}")/release/vodstudio"
work=$(mktemp -d -p "${BENCH_TMP:-${TMPDIR:-/tmp}}"); server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
need_gib=$((SIZE_GIB + BIG_GIB + 1))
free_gib=$(df --output=avail -B1G "$work" | tail -1 | tr -d ' ')
[ "$free_gib" -gt "$need_gib" ] || { echo "$work has $free_gib GiB free; the benchmark needs about $need_gib (set BENCH_TMP)" >&2; exit 1; }
# A private copy: a build in another checkout sharing CARGO_TARGET_DIR cannot swap it mid-run.
cp "$BIN" "$work/vodstudio"; BIN="$work/vodstudio"

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

tick=$(getconf CLK_TCK)
server_cpu() { awk -v t="$tick" '{printf "%.2f", ($14 + $15) / t}' "/proc/$server/stat"; }
# One timed upload: prints "wall client_cpu server_cpu" in seconds. Dirty pages of the previous
# run are flushed first (untimed), so neither side inherits the other's writeback.
run() {
  local s e c0 c1
  sync
  c0=$(server_cpu); s=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$work/cpu" "$@" >/dev/null 2>"$work/run.err" || { cat "$work/run.err" >&2; exit 1; }
  e=$(date +%s.%N); c1=$(server_cpu)
  echo "$(echo "$e - $s" | bc -l) $(awk '{print $1 + $2}' "$work/cpu") $(echo "$c1 - $c0" | bc -l)"
}
# Each upload lands in an empty bucket: the object is deleted after (untimed).
rm_object() { aws s3 rm --quiet --endpoint-url "$AWS_ENDPOINT_URL_S3" "s3://bench/$1" >/dev/null; }
ours() { run env VODSTUDIO_DATA_DIR="$work/app-$1" "$BIN" upload "$work/one.bin" --to "s3://bench/ours-$1.bin"; rm_object "ours-$1.bin"; }
theirs() { run aws s3 cp --only-show-errors --endpoint-url "$AWS_ENDPOINT_URL_S3" "$work/one.bin" "s3://bench/aws-$1.bin"; rm_object "aws-$1.bin"; }
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$work/ours"; : > "$work/theirs"
for r in $(seq "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then ours "$r" >> "$work/ours"; theirs "$r" >> "$work/theirs"
  else theirs "$r" >> "$work/theirs"; ours "$r" >> "$work/ours"; fi
  echo "round $r of $ROUNDS done" >&2
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
mib=$((SIZE_GIB * 1024))

/usr/bin/time -f "%M" -o "$work/rss" env VODSTUDIO_DATA_DIR="$work/app-big" "$BIN" upload "$work/big.bin" --to s3://bench/big.bin >/dev/null 2>"$work/run.err" \
  || { cat "$work/run.err" >&2; exit 1; }
rss_mib=$(( $(cat "$work/rss") / 1024 ))
rm_object big.bin

# Kill at ~50 %: the capped run would take 8 s, so kill after 4 s; then rerun uncapped.
env VODSTUDIO_DATA_DIR="$work/app-kill" "$BIN" upload "$work/one.bin" --to s3://bench/killed.bin \
  --limit-rate "$((SIZE_GIB * 128))M" >/dev/null 2>&1 & up=$!
sleep 4; kill -9 "$up"; wait "$up" 2>/dev/null || true
on_server=$(find "$work/local/s3/uploads" -type f ! -name '*.json' -printf '%s\n' 2>/dev/null | awk '{s+=$1} END {print s+0}')
rerun=$(env VODSTUDIO_DATA_DIR="$work/app-kill" "$BIN" upload "$work/one.bin" --to s3://bench/killed.bin --json)
sent=$(echo "$rerun" | python3 -c 'import json,sys; print(json.load(sys.stdin)["bytes_sent"])')
total=$((SIZE_GIB << 30)); resent=$(( sent - (total - on_server) )); part=$((8 << 20))

samples() { awk -v m="$mib" '{printf "  %.2f s (%.0f MiB/s, client CPU %.2f s, server CPU %.2f s)\n", $1, m / $1, $2, $3}' "$1"; }
echo "$(aws --version 2>&1 | cut -d' ' -f1) (default settings) vs vodstudio (defaults), server data on $(df --output=fstype "$work" | tail -1)"
echo "load average $load_before before the rounds, $load_after after"
echo "vodstudio, ${SIZE_GIB} GiB, round by round:"; samples "$work/ours"
echo "aws s3 cp, ${SIZE_GIB} GiB, round by round:"; samples "$work/theirs"
ours_med=$(cut -d' ' -f1 "$work/ours" | median); theirs_med=$(cut -d' ' -f1 "$work/theirs" | median)
ratios=$(paste -d' ' "$work/ours" "$work/theirs" | awk '{printf "%.2f\n", $4 / $1}')
printf '%-52s %s\n' "${SIZE_GIB} GiB upload, vodstudio (median of $ROUNDS)" "$(printf '%.2f s  %.0f MiB/s  client CPU %.2f s  server CPU %.2f s' "$ours_med" "$(echo "$mib / $ours_med" | bc -l)" "$(cut -d' ' -f2 "$work/ours" | median)" "$(cut -d' ' -f3 "$work/ours" | median)")"
printf '%-52s %s\n' "${SIZE_GIB} GiB upload, aws s3 cp (median of $ROUNDS)" "$(printf '%.2f s  %.0f MiB/s  client CPU %.2f s  server CPU %.2f s' "$theirs_med" "$(echo "$mib / $theirs_med" | bc -l)" "$(cut -d' ' -f2 "$work/theirs" | median)" "$(cut -d' ' -f3 "$work/theirs" | median)")"
printf '%-52s %.2fx  (rounds: %s; target ≥ 1.5x)\n' "throughput, vodstudio / awscli (medians)" "$(echo "$theirs_med / $ours_med" | bc -l)" "$(echo $ratios)"
printf '%-52s %d MiB  (target ≤ 100 MiB)\n' "peak RSS, ${BIG_GIB} GiB upload" "$rss_mib"
printf '%-52s %d of %d bytes on the server at the kill\n' "kill -9 at ~50 %" "$on_server" "$total"
printf '%-52s %d bytes = %.1f parts  (target ≤ parts in flight: 6)\n' "re-sent after the kill" "$resent" "$(echo "$resent / $part" | bc -l)"
