#!/usr/bin/env bash
# Debian packages the project loads at run time, and the browser its page test drives. Installs them when we are
# root, else says what to run.
set -euo pipefail

missing=()
ldconfig -p 2>/dev/null | grep -q "libzbar.so.0" || missing+=(libzbar0)
# Hangul in pictures (names on contact sheets, charts); the bot still runs without it, with a plain font.
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || missing+=(fonts-nanum)

# Only the playground's browser test needs these (it skips, saying why, without chromium); the emoji font makes
# the bot's emoji visible in the page's screenshots. Not every distribution has a `chromium` package (Ubuntu ships
# a snap), so failing to install them never fails the setup.
browser=()
[ -x /usr/bin/chromium ] || browser+=(chromium)
[ -f /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || browser+=(fonts-noto-color-emoji)

if [ ${#missing[@]} -eq 0 ] && [ ${#browser[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq >/dev/null
  if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing system libraries: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  if [ ${#browser[@]} -gt 0 ]; then
    echo "Installing the browser for the playground test: ${browser[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${browser[@]}" >/dev/null ||
      echo "Could not install ${browser[*]}; the playground's browser test will be skipped." >&2
  fi
  exit 0
fi
if [ ${#browser[@]} -gt 0 ]; then
  echo "For the playground's browser test: sudo apt-get install ${browser[*]}  (it is skipped without chromium)" >&2
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "Missing system libraries: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install ${missing[*]}  (QR decoding with pyzbar needs libzbar0)" >&2
  exit 1
fi
