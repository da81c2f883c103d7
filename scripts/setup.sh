#!/usr/bin/env bash
# Installs what the build, the app and the tests need and is missing. Safe to run again: it
# only installs what is not there. Needs root (or sudo) for Debian packages.
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# Command-line tools, by the command they provide.
for pair in dbus-daemon:dbus-daemon gnome-keyring-daemon:gnome-keyring secret-tool:libsecret-tools \
            pkg-config:pkg-config cc:gcc gdbus:libglib2.0-bin node:nodejs npm:npm \
            Xvfb:xvfb xwininfo:x11-utils WebKitWebDriver:webkit2gtk-driver chromium:chromium; do
  have "${pair%%:*}" || need_pkgs+=("${pair#*:}")
done
# Libraries for the Secret Service client and the Tauri app (WebKitGTK).
for pkg in libdbus-1-dev dbus-x11 libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev \
           libjavascriptcoregtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev; do
  have_pkg "$pkg" || need_pkgs+=("$pkg")
done

if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup: installing ${need_pkgs[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

if ! have cargo; then
  echo "setup: Rust is missing. Install Rust 1.90 or newer (https://rustup.rs), then run this again." >&2
  exit 1
fi
for component in rustfmt clippy; do
  cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1 || rustup component add "$component"
done

# tauri-driver (the WebDriver bridge to the real app window) comes from crates.io.
if ! have tauri-driver; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --locked --version "^2" --quiet
fi

# cargo-deny checks licences, banned crates and sources of every dependency (deny.toml).
if ! cargo deny --version >/dev/null 2>&1; then
  echo "setup: installing cargo-deny"
  cargo install cargo-deny --locked --version "^0.20" --quiet
fi

# The web UI's packages, exactly as locked.
if [ -f ui/package-lock.json ]; then
  stamp="ui/node_modules/.taskly-lock-hash"
  hash="$(sha256sum ui/package-lock.json | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
    echo "setup: installing the UI's npm packages"
    (cd ui && npm ci --no-audit --no-fund --loglevel=error)
    echo "$hash" > "$stamp"
  fi
fi
