#!/usr/bin/env bash
# Benchmark of the local MediaConvert engine on presets/web-ladder.json (printed figures, not a
# test). Compares, on the same generated input:
#   A. the engine (built from the preset: one decode, each distinct rendition encoded once, then
#      stream-copied into every output that uses it),
#   B. one ffmpeg run per rendition (what a naive engine would do)       — target A <= 0.6 x B,
#   C. one hand-written ffmpeg command producing the same ladder          — target A <= 1.1 x C.
# Usage: scripts/bench-engine.sh [seconds=20] ; PROFILE=debug to skip the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_IN=${1:-20}
PROFILE=${PROFILE:-release}
export CARGO_TARGET_DIR=$(realpath "${CARGO_TARGET_DIR:-target}")
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if [ "$PROFILE" = release ]; then
  cargo build -q --release --example engine
else
  cargo build -q --example engine
fi
ENGINE="$CARGO_TARGET_DIR/$PROFILE/examples/engine"

echo "input: ${SECONDS_IN}s 1280x720 25 fps testsrc2 + sine"
ffmpeg -v error -y -f lavfi -i "testsrc2=size=1280x720:rate=25:duration=$SECONDS_IN" \
  -f lavfi -i "sine=frequency=440:duration=$SECONDS_IN" -c:v libx264 -preset veryfast -c:a aac \
  -pix_fmt yuv420p "$WORK/src.mp4"

now() { date +%s.%N; }
FF=(ffmpeg -v error -y -nostdin -i "$WORK/src.mp4")
# The engine's mapping of the preset's H.264 settings (QVBR 7 -> CRF 23.2, 8 -> 20.8; GOP 2 s at
# 25 fps; keyframes on 6 s segment boundaries; buffer = 2 x MaxBitrate).
x264() { # width height crf maxrate profile [segmented]
  local a=(-c:v libx264 -preset veryfast -profile:v "$5" -crf "$3" -maxrate "$4" -bufsize $(($4 * 2)) -g 50)
  [ "${6:-}" = seg ] && a+=(-force_key_frames "expr:gte(t,n_forced*6)")
  printf '%s\n' "${a[@]}"
}
vf() { echo "scale=$1:$2:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=$1:$2:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p"; }
AAC96=(-c:a aac -b:a 96000 -ar 48000 -ac 2)
AAC128=(-c:a aac -b:a 128000 -ar 48000 -ac 2)
HLS=(-f hls -hls_time 6 -hls_playlist_type vod -hls_list_size 0 -start_number 1)
DASH=(-f dash -seg_duration 6 -frag_type duration -frag_duration 2 -use_template 1 -use_timeline 1)
RUNGS=("640 360 23.2 800000 main _360p" "960 540 23.2 2000000 main _540p" "1280 720 20.8 4000000 high _720p" "1920 1080 20.8 6000000 high _1080p")

# A. the engine
t0=$(now)
"$ENGINE" presets/web-ladder.json "$WORK/src.mp4" "$WORK/a" > /dev/null 2>&1
A=$(python3 -c "print($(now) - $t0)")

# B. one ffmpeg run per rendition
mkdir -p "$WORK/b"
t0=$(now)
for r in "${RUNGS[@]}"; do
  set -- $r
  mapfile -t X < <(x264 "$1" "$2" "$3" "$4" "$5" seg)
  [ "$1" = 640 ] || [ "$1" = 960 ] && AUD=("${AAC96[@]}") || AUD=("${AAC128[@]}")
  "${FF[@]}" -vf "$(vf "$1" "$2")" "${X[@]}" "${AUD[@]}" "${HLS[@]}" \
    -hls_segment_filename "$WORK/b/src$6_%05d.ts" "$WORK/b/src$6.m3u8"
done
mapfile -t X < <(x264 1280 720 20.8 4000000 high)
"${FF[@]}" -vf "$(vf 1280 720)" "${X[@]}" "${AAC128[@]}" -movflags +faststart "$WORK/b/src_720p.mp4"
"${FF[@]}" -vf "fps=1/5,scale=320:180:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=320:180:(ow-iw)/2:(oh-ih)/2" \
  -frames:v 100 -q:v 8 -start_number 0 "$WORK/b/src_thumb.%07d.jpg"
for r in "640 360 23.2 800000 main _360p" "1280 720 20.8 4000000 high _720p"; do
  set -- $r
  mapfile -t X < <(x264 "$1" "$2" "$3" "$4" "$5" seg)
  mkdir -p "$WORK/b/dash$6"
  "${FF[@]}" -vf "$(vf "$1" "$2")" -an "${X[@]}" "${DASH[@]}" "$WORK/b/dash$6/src.mpd"
done
mkdir -p "$WORK/b/dash_audio"
"${FF[@]}" -vn "${AAC128[@]}" "${DASH[@]}" "$WORK/b/dash_audio/src.mpd"
B=$(python3 -c "print($(now) - $t0)")

# C. one hand-written ffmpeg command for the whole ladder
mkdir -p "$WORK/c/hls" "$WORK/c/mp4" "$WORK/c/thumbs" "$WORK/c/dash"
G="[0:v]split=8[s0][s1][s2][s3][s4][s5][s6][s7]"
G+=";[s0]$(vf 640 360)[v0];[s1]$(vf 960 540)[v1];[s2]$(vf 1280 720)[v2];[s3]$(vf 1920 1080)[v3]"
G+=";[s4]$(vf 1280 720)[v4]"
G+=";[s5]fps=1/5,scale=320:180:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=320:180:(ow-iw)/2:(oh-ih)/2[v5]"
G+=";[s6]$(vf 640 360)[v6];[s7]$(vf 1280 720)[v7]"
per() { # stream-index rung...
  local i=$1; shift
  x264 "$@" | sed "s/^-\(c\|preset\|crf\|maxrate\|bufsize\|g\|force_key_frames\):v$/-\1:v:$i/; s/^-\(c\|preset\|crf\|maxrate\|bufsize\|g\|force_key_frames\)$/-\1:v:$i/; s/^-profile:v$/-profile:v:$i/"
}
HLSV=(); for i in 0 1 2 3; do set -- ${RUNGS[$i]}; mapfile -t X < <(per $i "$1" "$2" "$3" "$4" "$5" seg); HLSV+=(-map "[v$i]" -map 0:a "${X[@]}"); done
mapfile -t X0 < <(per 0 640 360 23.2 800000 main seg)
mapfile -t X1 < <(per 1 1280 720 20.8 4000000 high seg)
mapfile -t XM < <(x264 1280 720 20.8 4000000 high)
t0=$(now)
ffmpeg -v error -y -nostdin -i "$WORK/src.mp4" -filter_complex "$G" \
  "${HLSV[@]}" -c:a aac -b:a:0 96000 -b:a:1 96000 -b:a:2 128000 -b:a:3 128000 -ar 48000 -ac 2 \
  "${HLS[@]}" -hls_segment_filename "$WORK/c/hls/src%v_%05d.ts" -master_pl_name src.m3u8 \
  -var_stream_map "v:0,a:0,name:_360p v:1,a:1,name:_540p v:2,a:2,name:_720p v:3,a:3,name:_1080p" "$WORK/c/hls/src%v.m3u8" \
  -map "[v4]" -map 0:a "${XM[@]}" "${AAC128[@]}" -movflags +faststart "$WORK/c/mp4/src_720p.mp4" \
  -map "[v5]" -frames:v 100 -q:v 8 -start_number 0 "$WORK/c/thumbs/src_thumb.%07d.jpg" \
  -map "[v6]" -map "[v7]" -map 0:a "${X0[@]}" "${X1[@]}" "${AAC128[@]}" "${DASH[@]}" \
  -adaptation_sets "id=0,streams=v id=1,streams=a" "$WORK/c/dash/src.mpd"
C=$(python3 -c "print($(now) - $t0)")

python3 - "$A" "$B" "$C" <<'PY'
import sys
a, b, c = map(float, sys.argv[1:])
print(f"A engine (encode once, package) {a:7.2f} s")
print(f"B one ffmpeg per rendition      {b:7.2f} s   A/B = {a/b:.2f} (target <= 0.60)")
print(f"C hand-written single command   {c:7.2f} s   A/C = {a/c:.2f} (target <= 1.10)")
PY
