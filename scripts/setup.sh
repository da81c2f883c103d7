#!/usr/bin/env bash
# Installs what the build, the app and the tests need and is missing. Safe to run again: it
# only installs what is not there, and says nothing when everything is. Debian packages need root
# (or sudo). Rust (1.90 or newer) and Node.js (20.19 or newer) are checked, not installed: when one
# is missing or too old it says what to do and stops before installing anything.
set -euo pipefail
cd "$(dirname "$0")/.."

rust_min=1.90
node_min=20.19

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
# version_ge A B: A >= B (dotted numbers).
version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }
die() { printf 'setup: %s\n' "$1" >&2; shift; [ $# -eq 0 ] || printf '  %s\n' "$@" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  have sudo || die "installing Debian packages needs root: run this as root, or install sudo and give this user sudo rights."
  SUDO="sudo"
fi
apt_updated=0
apt_update() { [ "$apt_updated" -eq 1 ] || { $SUDO apt-get update -qq; apt_updated=1; }; }

# Where `cargo install` puts tauri-driver and cargo-deny: searched last, so it finds them without
# changing which Rust or Node comes first on PATH.
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in *":$cargo_bin:"*) ;; *) PATH="$PATH:$cargo_bin" ;; esac

# Rust: checked first, since nothing here can be built without it.
if ! have cargo || ! have rustc; then
  die "Rust is missing. Install Rust $rust_min or newer with rustup (https://rustup.rs):" \
      "  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y" \
      "then open a new shell (or: . \"\$HOME/.cargo/env\") and run this again."
fi
rust_version="$(rustc --version | awk '{print $2}')"
if ! version_ge "${rust_version%%-*}" "$rust_min"; then
  if have rustup; then
    die "Rust $rust_version is too old: $rust_min or newer is needed. Run: rustup update stable (and rustup default stable), then run this again."
  fi
  die "Rust $rust_version is too old: $rust_min or newer is needed, and rustup is not installed to update it." \
      "Install Rust with rustup (https://rustup.rs) and run this again."
fi

# Node.js: the UI's Vite and Vitest need 20.19 or newer. Debian 12 and Ubuntu 24.04 ship 18, so
# apt installs it only where its version is new enough (Debian 13).
node_advice=(
  "Install Node.js 22 (LTS) from NodeSource, then run this again:"
  "  curl -fsSL https://deb.nodesource.com/setup_22.x | ${SUDO:+sudo -E }bash -"
  "  ${SUDO:+sudo }apt-get install -y nodejs        # NodeSource's nodejs includes npm"
  "or put any Node.js $node_min or newer first on PATH (nvm, fnm, or a tarball from https://nodejs.org)."
)
if have node; then
  node_version="$(node --version 2>/dev/null | sed 's/^v//')"
  version_ge "${node_version:-0}" "$node_min" \
    || die "Node.js ${node_version:-of unknown version} is too old: the UI's Vite and Vitest need $node_min or newer (Debian 12's nodejs is 18)." "${node_advice[@]}"
else
  apt_update
  candidate="$(apt-cache policy nodejs 2>/dev/null | awk '/Candidate:/ {print $2}')"
  candidate_version="${candidate#*:}"
  if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] && version_ge "${candidate_version%%[-~+]*}" "$node_min"; then
    need_pkgs+=(nodejs)
  else
    die "Node.js is missing, and apt offers ${candidate:-none} here: the UI's Vite and Vitest need $node_min or newer (Debian 12's nodejs is 18)." "${node_advice[@]}"
  fi
fi

# Command-line tools, by the command they provide.
for pair in dbus-daemon:dbus-daemon gnome-keyring-daemon:gnome-keyring secret-tool:libsecret-tools \
            pkg-config:pkg-config cc:gcc gdbus:libglib2.0-bin git:git \
            Xvfb:xvfb xwininfo:x11-utils xclip:xclip WebKitWebDriver:webkit2gtk-driver chromium:chromium; do
  have "${pair%%:*}" || need_pkgs+=("${pair#*:}")
done
# Libraries for the Secret Service client and the Tauri app (WebKitGTK).
for pkg in libdbus-1-dev dbus-x11 libwebkit2gtk-4.1-dev libgtk-3-dev libsoup-3.0-dev \
           libjavascriptcoregtk-4.1-dev librsvg2-dev libayatana-appindicator3-dev; do
  have_pkg "$pkg" || need_pkgs+=("$pkg")
done

if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup: installing ${need_pkgs[*]}"
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# npm: NodeSource's nodejs brings it; Debian's nodejs has it as a package of its own (which
# conflicts with NodeSource's, so it is asked for only once nodejs is there and npm is not).
if ! have npm; then
  echo "setup: installing npm"
  apt_update
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
fi

# rustfmt and clippy: rustup adds them; without rustup they must come with the Rust installed.
missing_components=()
cargo fmt --version >/dev/null 2>&1 || missing_components+=(rustfmt)
cargo clippy --version >/dev/null 2>&1 || missing_components+=(clippy)
if [ ${#missing_components[@]} -gt 0 ]; then
  if have rustup; then
    echo "setup: adding ${missing_components[*]} (rustup)"
    rustup component add "${missing_components[@]}"
  else
    die "${missing_components[*]} missing (cargo fmt / cargo clippy), and rustup is not installed to add them." \
        "Install Rust with rustup (https://rustup.rs), or add ${missing_components[*]} to the Rust you have, then run this again."
  fi
fi

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

# npm packages, exactly as locked: the web UI's, and the OpenID Provider the sign-in tests run
# against (tests/oidc-provider).
for dir in ui tests/oidc-provider; do
  [ -f "$dir/package-lock.json" ] || continue
  stamp="$dir/node_modules/.taskly-lock-hash"
  hash="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
    echo "setup: installing the npm packages of $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --no-update-notifier --loglevel=error)
    echo "$hash" > "$stamp"
  fi
done
