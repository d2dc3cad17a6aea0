#!/usr/bin/env bash
# Debian libraries the Python packages load at run time. Installs them when we are root, else says what to run.
set -euo pipefail

missing=()
ldconfig -p 2>/dev/null | grep -q "libzbar.so.0" || missing+=(libzbar0)
# Hangul in pictures (names on contact sheets, charts); the bot still runs without it, with a plain font.
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || missing+=(fonts-nanum)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system libraries: ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Missing system libraries: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}  (QR decoding with pyzbar needs libzbar0)" >&2
  exit 1
fi
