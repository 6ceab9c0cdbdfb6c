#!/usr/bin/env bash
# Installs the Debian packages the tests and the app need (real Dovecot, Secret Service, Xvfb, Qt's
# X11 libraries). Does nothing when they are all present; needs root (or sudo) otherwise.
set -euo pipefail
PACKAGES=(
  dovecot-imapd dbus gnome-keyring xvfb xauth
  libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-xinerama0 libxcb-xkb1
  libxcb-randr0 libxcb-shape0 libxcb-cursor0 libxkbcommon-x11-0 libxkbcommon0 libegl1 libgl1
  libfontconfig1 libdbus-1-3 fonts-dejavu-core fonts-noto-color-emoji libnss3 libasound2 appstream desktop-file-utils
)
# `make bench` also compares mail import and search with Debian's mbsync (isync) and notmuch (the performance budget).
[ "${1:-}" = "--bench" ] && PACKAGES+=(isync notmuch)
command -v dpkg-query >/dev/null || { echo "not a Debian system: install the equivalents of: ${PACKAGES[*]}" >&2; exit 0; }
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing Debian packages: ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
