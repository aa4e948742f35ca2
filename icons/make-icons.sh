#!/usr/bin/env bash
# Draws the vodstudio app icon with ImageMagick: a rounded square with a violet-to-coral gradient
# and a white play triangle. Drawn once at 1024 px and scaled down, so every size is anti-aliased
# from the same master. Re-run after changing the design; the PNGs are committed.
set -euo pipefail
cd "$(dirname "$0")"

size=1024
radius=224        # about 22% of the side: the squircle-ish corner desktop icon sets use
master="$(mktemp --suffix=.png)"
trap 'rm -f "$master" "$master.mask.png" "$master.grad.png"' EXIT

# Diagonal gradient, violet at the top left to coral at the bottom right.
convert -size ${size}x${size} -define gradient:angle=135 gradient:'#7c5cff'-'#ff5f6d' "$master.grad.png"
convert -size ${size}x${size} xc:none -fill white \
  -draw "roundrectangle 0,0 $((size - 1)),$((size - 1)) $radius,$radius" "$master.mask.png"

# Play triangle, its centroid a little right of centre so it looks centred to the eye.
convert "$master.grad.png" "$master.mask.png" -alpha off -compose CopyOpacity -composite \
  -fill 'rgba(255,255,255,0.12)' -draw "circle 512,512 512,176" \
  -fill white -stroke white -strokewidth 36 -draw "stroke-linejoin round polygon 410,318 410,706 736,512" \
  "$master"

emit() { # emit SIZE FILE
  convert "$master" -filter Lanczos -resize "$1x$1" -depth 8 -strip -define png:color-type=6 "$2"
}
emit 32 32x32.png
emit 128 128x128.png
emit 256 128x128@2x.png
emit 512 icon.png
ls -l ./*.png
