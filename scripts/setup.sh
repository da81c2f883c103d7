#!/usr/bin/env bash
# Installs what the build and tests need and is missing. Safe to run again: it only installs
# what is not there. Needs root (or sudo) for Debian packages.
set -euo pipefail

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

for pair in dbus-daemon:dbus-daemon gnome-keyring-daemon:gnome-keyring secret-tool:libsecret-tools \
            pkg-config:pkg-config cc:gcc gdbus:libglib2.0-bin; do
  have "${pair%%:*}" || need_pkgs+=("${pair#*:}")
done
for pkg in libdbus-1-dev dbus-x11; do
  have_pkg "$pkg" || need_pkgs+=("$pkg")
done

if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup: installing ${need_pkgs[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if ! have cargo; then
  echo "setup: Rust is missing. Install Rust 1.89 or newer (https://rustup.rs), then run this again." >&2
  exit 1
fi
for component in rustfmt clippy; do
  cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1 || rustup component add "$component"
done
