#!/usr/bin/env bash
# Builds the installers this machine can build, from a clean checkout, with the locked
# dependencies (Cargo.lock, ui/package-lock.json), and writes them with their SHA-256 sums to
# artifacts/release/<version>/. docs/release.md is the step-by-step for every OS.
#
#   Linux:   .deb and .rpm (the Tauri bundler writes the .rpm itself; no rpmbuild needed), then
#            scripts/deb-upgrade-test.sh (a key added in one version is there after the upgrade).
#            AppImage only with TASKLY_APPIMAGE=1: its tools (linuxdeploy and plugins) are
#            downloaded from GitHub by the Tauri bundler, so it is built on the release machine.
#   macOS:   .app and .dmg; signing and notarisation come from the environment
#            (APPLE_SIGNING_IDENTITY, APPLE_CERTIFICATE[_PASSWORD], APPLE_ID, APPLE_PASSWORD,
#            APPLE_TEAM_ID, or APPLE_API_KEY/APPLE_API_ISSUER/APPLE_API_KEY_PATH).
#   Windows: .msi and NSIS setup .exe (Git Bash); signing from the environment:
#            WINDOWS_CERTIFICATE_THUMBPRINT (a certificate in the store, signed with signtool) or
#            WINDOWS_SIGN_COMMAND (e.g. a cloud signing tool; "%1" is the file to sign).
#
# The update signatures (.sig) need TAURI_SIGNING_PRIVATE_KEY[_PASSWORD] whenever
# bundle.createUpdaterArtifacts is on (see "Updates and the signing key" in docs/release.md).
# Honours CARGO_TARGET_DIR; SOURCE_DATE_EPOCH defaults to the last commit's time.
# Usage: scripts/release.sh [--skip-upgrade-test]
set -euo pipefail
cd "$(dirname "$0")/.."
TASKLY_ROOT="$(pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taskly-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
skip_upgrade_test=0
[ "${1:-}" = "--skip-upgrade-test" ] && skip_upgrade_test=1

# shellcheck source=scripts/lib-bundle.sh
source scripts/lib-bundle.sh
trap taskly_bundle_cleanup EXIT

if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
  echo "note: the working tree has uncommitted changes; this build is not a release build of a commit" >&2
fi
# Timestamps inside the packages (tar entries of the .deb, the .rpm build time) come from here
# where the tools honour it, so two builds of one commit differ less.
SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}"
export SOURCE_DATE_EPOCH

version="$(taskly_config_version)"
cargo_version="$(cargo metadata --format-version 1 --no-deps --locked | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).packages.find((p) => p.name === "taskly-desktop").version')"
if [ "$version" != "$cargo_version" ]; then
  echo "tauri.conf.json says $version but Cargo.toml says $cargo_version: bump both (docs/release.md, version bump checklist)" >&2
  exit 1
fi
out="$TASKLY_ROOT/artifacts/release/$version"
rm -rf "$out"
mkdir -p "$out"

echo "== toolchain"
rustc --version; cargo --version; node --version; npm --version
"$TASKLY_ROOT/ui/node_modules/.bin/tauri" --version 2>/dev/null || true

echo "== UI (npm ci from ui/package-lock.json, then build)"
# TASKLY_REUSE_NODE_MODULES=1 keeps ui/node_modules (a shared working copy; not for a release).
[ "${TASKLY_REUSE_NODE_MODULES:-0}" = "1" ] || npm --prefix ui ci --no-audit --no-fund
npm --prefix ui run build

echo "== the taskly CLI (shipped inside the Linux packages)"
cargo build --locked --release -p taskly-cli

patch=""
case "$(uname -s)" in
  Linux)
    bundles="deb,rpm"
    [ "${TASKLY_APPIMAGE:-0}" = "1" ] && bundles="$bundles,appimage"
    ;;
  Darwin)
    bundles="app,dmg"
    ;;
  MINGW* | MSYS* | CYGWIN*)
    bundles="msi,nsis"
    if [ -n "${WINDOWS_SIGN_COMMAND:-}" ]; then
      patch="$(node -p 'JSON.stringify({bundle: {windows: {signCommand: process.argv[1]}}})' "$WINDOWS_SIGN_COMMAND")"
    elif [ -n "${WINDOWS_CERTIFICATE_THUMBPRINT:-}" ]; then
      patch="$(node -p 'JSON.stringify({bundle: {windows: {certificateThumbprint: process.argv[1]}}})' "$WINDOWS_CERTIFICATE_THUMBPRINT")"
    else
      echo "note: no WINDOWS_SIGN_COMMAND or WINDOWS_CERTIFICATE_THUMBPRINT: the installers are NOT signed" >&2
    fi
    ;;
  *) echo "unsupported system: $(uname -s)" >&2; exit 1 ;;
esac
if [ -z "${TAURI_SIGNING_PRIVATE_KEY:-}" ] \
  && node -e 'process.exit(JSON.parse(require("fs").readFileSync("tauri.conf.json", "utf8")).bundle.createUpdaterArtifacts ? 0 : 1)'; then
  echo "note: no TAURI_SIGNING_PRIVATE_KEY: installers only, NO update signatures (not publishable as an update)" >&2
  patch="$(node -p 'const p = JSON.parse(process.argv[1] || "{}"); p.bundle = {...p.bundle, createUpdaterArtifacts: false}; JSON.stringify(p)' "$patch")"
fi
if [ "$(uname -s)" = "Darwin" ] && [ -z "${APPLE_SIGNING_IDENTITY:-}" ]; then
  echo "note: no APPLE_SIGNING_IDENTITY: the app is NOT signed nor notarised" >&2
fi

echo "== installers: $bundles"
taskly_bundle "" "$bundles" "$out" "$patch"

# The .rpm is not installed here (no RPM system); where the rpm tool exists, at least read it:
# its header, its dependencies, and the same short file list as the .deb.
if command -v rpm >/dev/null 2>&1; then
  for rpm_file in "$out"/*.rpm; do
    [ -f "$rpm_file" ] || continue
    echo "== $(basename "$rpm_file")"
    rpm -qp --queryformat '%{NAME} %{VERSION}-%{RELEASE} %{ARCH}\n' "$rpm_file"
    rpm -qpR "$rpm_file" | sed 's/^/   requires: /'
    unexpected="$(rpm -qpl "$rpm_file" | grep -vE \
      '^/usr/bin/(taskly-desktop|taskly)$|^/usr/share/applications/[A-Za-z0-9 _.-]+\.desktop$|^/usr/share/icons/hicolor/[0-9x@]+/apps/[A-Za-z0-9 _.-]+\.png$|^/usr/share/icons/hicolor(/[0-9x@]+(/apps)?)?$|^/usr(/bin|/share(/applications|/icons)?)?$' || true)"
    [ -z "$unexpected" ] || { echo "$(basename "$rpm_file") contains unexpected files:"$'\n'"$unexpected" >&2; exit 1; }
  done
fi

if [ "$(uname -s)" = "Linux" ] && [ "$skip_upgrade_test" -eq 0 ]; then
  echo "== the upgrade keeps the keys (.deb)"
  ./scripts/deb-upgrade-test.sh
fi

(cd "$out" && find . -maxdepth 1 -type f ! -name SHA256SUMS -printf '%P\n' | sort | xargs -d '\n' sha256sum > SHA256SUMS)
echo
echo "Release $version: $out"
cat "$out/SHA256SUMS"
