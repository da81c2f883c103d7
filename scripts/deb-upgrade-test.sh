#!/usr/bin/env bash
# Keys survive an upgrade of the .deb: builds the .deb twice (tauri.conf.json's version, then the
# next patch version, via a --config patch, no file edited), installs the first into a throwaway
# dpkg root, adds a key with the installed `taskly` CLI (private D-Bus + GNOME Keyring, loopback
# fake provider, data folder in the throwaway folder), installs the second over it (a real dpkg
# upgrade), then checks: the installed version changed and the files are the second package's;
# the key is still listed, enabled, and its secret still validates against the provider; the
# installed app starts and opens its window. It also checks what the packages contain: only the
# expected files, no secret, no test key, no development file.
#
# Nothing leaves loopback. Everything it starts and creates is stopped and removed on exit, even
# on failure. Honours CARGO_TARGET_DIR. Needs dpkg, Xvfb, node, and the tools of
# scripts/lib-private-keyring.sh (./scripts/setup.sh installs them). Usage:
#   scripts/deb-upgrade-test.sh [--same-binary] [--keep-debs DIR]
# --same-binary (for CI): the second package gets its version from the bundler only, so its app
# binary is the first one's and cargo compiles nothing again (two builds of one commit differ in
# nothing but the version string anyway). Without it the app is compiled again with the second
# version (about two minutes more here, and the next plain release build compiles it back).
set -euo pipefail
cd "$(dirname "$0")/.."
TASKLY_ROOT="$(pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taskly-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
keep_debs=""
same_binary=0
while [ $# -gt 0 ]; do
  case "$1" in
    --same-binary) same_binary=1; shift ;;
    --keep-debs) keep_debs="${2:?--keep-debs needs a folder}"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY="127.0.0.1,localhost,::1"

work="$(mktemp -d /tmp/taskly-deb-upgrade.XXXXXX)"
pids=()
# shellcheck source=scripts/lib-private-keyring.sh
source scripts/lib-private-keyring.sh
# shellcheck source=scripts/lib-bundle.sh
source scripts/lib-bundle.sh
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  stop_private_keyring
  taskly_bundle_cleanup
  rm -rf "$work"
  [ "$status" -eq 0 ] && echo "deb upgrade test: passed" || echo "deb upgrade test: FAILED" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$(date +%s)
phase_start=$started
phase() {
  local now; now=$(date +%s)
  echo "   (took $((now - phase_start)) s)"
  phase_start=$now
  echo; echo "== $*"
}
fail() { echo "FAIL: $*" >&2; exit 1; }

phase "build: UI, the taskly CLI and the fake provider (release)"
# A fresh UI build would make cargo rebuild the app (it embeds ui/dist), so only when stale.
if [ ! -f ui/dist/index.html ] || [ -n "$(find ui/src ui/public ui/index.html ui/vite.config.ts ui/package-lock.json \
  -newer ui/dist/index.html -print -quit 2>/dev/null)" ]; then
  npm --prefix ui run build --silent
fi
# Separately: built together, cargo would unify their dependencies' features and build a
# `taskly` that differs from the one scripts/release.sh ships (and compile both twice).
cargo build --locked --release -p taskly-cli
cargo build --locked --release -p taskly-fake-ai

v1="$(taskly_config_version)"
v2="$(node -p 'const [a, b, c] = process.argv[1].split("-")[0].split(".").map(Number); `${a}.${b}.${c + 1}`' "$v1")"
# The update signatures need the private key, which this test neither has nor needs.
patch='{"bundle":{"createUpdaterArtifacts":false}}'

phase "bundle: .deb of $v1"
taskly_bundle "" deb "$work/v1" "$patch"
phase "bundle: .deb of $v2"
if [ "$same_binary" -eq 1 ]; then
  taskly_bundle "" deb "$work/v2" "{\"version\":\"$v2\",\"bundle\":{\"createUpdaterArtifacts\":false}}"
else
  taskly_bundle "$v2" deb "$work/v2" "$patch"
fi
deb1="$(find "$work/v1" -name '*.deb' | head -n1)"
deb2="$(find "$work/v2" -name '*.deb' | head -n1)"
[ -f "$deb1" ] && [ -f "$deb2" ] || fail "the .deb files were not built"
[ -n "$keep_debs" ] && mkdir -p "$keep_debs" && cp "$deb1" "$deb2" "$keep_debs/"

phase "inspect the packages"
pkg="$(dpkg-deb -f "$deb1" Package)"
[ "$(dpkg-deb -f "$deb1" Version)" = "$v1" ] || fail "$deb1 has version $(dpkg-deb -f "$deb1" Version), not $v1"
[ "$(dpkg-deb -f "$deb2" Version)" = "$v2" ] || fail "$deb2 has version $(dpkg-deb -f "$deb2" Version), not $v2"
dpkg-deb -f "$deb2" Package Version Architecture Depends Section Priority Installed-Size
for deb in "$deb1" "$deb2"; do
  # Exactly the app, the CLI, the desktop entry and the icons: anything else (a key file, a
  # database, source maps, node_modules, the fake provider, a test binary) is refused.
  rm -rf "$work/contents" && dpkg-deb -x "$deb" "$work/contents"
  unexpected="$(cd "$work/contents" && find . ! -type d | sed 's#^\.##' | grep -vE \
    '^/usr/bin/(taskly-desktop|taskly)$|^/usr/share/applications/[A-Za-z0-9 _.-]+\.desktop$|^/usr/share/icons/hicolor/[0-9x@]+/apps/[A-Za-z0-9 _.-]+\.png$' || true)"
  [ -z "$unexpected" ] || fail "$(basename "$deb") contains unexpected files:
$unexpected"
  scripts_in_control="$(dpkg-deb --ctrl-tarfile "$deb" | tar -t | grep -vE '^(\./?)?$|^(\./)?(control|md5sums)$' || true)"
  [ -z "$scripts_in_control" ] || echo "note: $(basename "$deb") has maintainer files: $scripts_in_control"
done
dpkg-deb -c "$deb2"

phase "throwaway dpkg root; install $v1"
root="$work/root"
admin="$root/var/lib/dpkg"
mkdir -p "$admin/info" "$admin/updates" "$admin/triggers" "$root/tmp"
# This machine's package list stands in for the target system's, so the .deb's dependencies are
# checked for real against what is installed here (libwebkit2gtk, libgtk-3, a Secret Service).
cp /var/lib/dpkg/status "$admin/status"
: > "$admin/available"
# The host's per-package file lists are not copied, hence one harmless warning per package.
dpkg_root() {
  dpkg --root="$root" --force-script-chrootless --no-triggers --log="$work/dpkg.log" "$@" \
    2> >(grep -v 'files list file for package .* missing' >&2)
}
dpkg_root -i "$deb1"
installed() { dpkg-query --admindir="$admin" -W -f='${Version}' "$pkg"; }
[ "$(installed)" = "$v1" ] || fail "installed version is $(installed), not $v1"
ldd "$root/usr/bin/taskly-desktop" | grep 'not found' && fail "the app's libraries are not all on this system"

phase "add a key with the installed taskly CLI ($v1)"
start_private_keyring "$work/keyring"
export TASKLY_DATA_DIR="$work/data"
# The installed programs' other state (window position, WebKit caches) stays in the throwaway too.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache" \
  XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME"
# A key made up for this run only, so the package scan below cannot pass by chance.
test_key="sk-proj-Upgrade$(head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32)"
"$CARGO_TARGET_DIR/release/taskly-fake-ai" --key "$test_key" --url-file "$work/fake-url" >"$work/fake.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [ -s "$work/fake-url" ] && break; sleep 0.1; done
[ -s "$work/fake-url" ] || fail "the fake provider did not start"
export TASKLY_OPENAI_BASE_URL="$(cat "$work/fake-url")/openai/v1"
taskly="$root/usr/bin/taskly"
printf '%s' "$test_key" | "$taskly" keys add --provider openai --label "Upgrade test" --enable --json > "$work/add.json" \
  || fail "taskly keys add ($v1): $(cat "$work/add.json")"
key_id="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).key.id' "$work/add.json")"
"$taskly" keys list --json > "$work/list1.json" || fail "taskly keys list ($v1): $(cat "$work/list1.json")"

phase "upgrade: install $v2 over $v1"
dpkg_root -i "$deb2"
[ "$(installed)" = "$v2" ] || fail "installed version is $(installed) after the upgrade, not $v2"
dpkg_root --verify "$pkg" || fail "the installed files are not those of $v2"
grep -E " (upgrade|status installed) " "$work/dpkg.log" | sed 's/^/   dpkg: /'

phase "the key after the upgrade ($v2)"
"$taskly" keys list --json > "$work/list2.json" || fail "taskly keys list ($v2): $(cat "$work/list2.json")"
node - "$work/list1.json" "$work/list2.json" "$key_id" <<'JS'
const fs = require("fs");
const [before, after, id] = process.argv.slice(2).map((p, i) => (i < 2 ? JSON.parse(fs.readFileSync(p, "utf8")) : p));
const key = after.keys.find((k) => k.id === id);
if (!key) throw new Error(`key ${id} is gone after the upgrade: ${JSON.stringify(after)}`);
if (!key.enabled) throw new Error(`key ${id} is no longer enabled after the upgrade`);
const was = before.keys.find((k) => k.id === id);
for (const field of ["provider", "label", "masked", "base_url", "created_at"]) {
  if (key[field] !== was[field]) throw new Error(`key ${id}: ${field} changed from ${was[field]} to ${key[field]}`);
}
console.log(`   key ${id} (${key.provider}, "${key.label}", ${key.masked}) still there and enabled`);
JS
# The secret itself, not only the metadata: the provider accepts what the credential store holds.
"$taskly" keys validate "$key_id" --json > "$work/validate.json" || fail "taskly keys validate ($v2): $(cat "$work/validate.json")"
node -e 'const k = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); if (k.verification !== "verified") throw new Error("validation after the upgrade: " + JSON.stringify(k)); console.log("   its secret still validates: " + k.verification)' "$work/validate.json"
"$taskly" doctor --json > "$work/doctor.json" || fail "taskly doctor is not healthy after the upgrade: $(cat "$work/doctor.json")"

phase "the installed app ($v2) starts"
display=""
for n in $(seq 90 130); do [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ] || { display=":$n"; break; }; done
[ -n "$display" ] || fail "no free X display number"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
pids+=($!)
# xwininfo (x11-utils) sees the window itself; without it, the app staying up is all we check.
have_xwininfo=0
command -v xwininfo >/dev/null 2>&1 && have_xwininfo=1
for _ in $(seq 50); do
  [ -e "/tmp/.X11-unix/X${display#:}" ] && { [ "$have_xwininfo" -eq 0 ] || xwininfo -root -display "$display" >/dev/null 2>&1; } && break
  sleep 0.1
done
# No update check: nothing may leave this machine (the installed app would ask
# releases.taskly.chat at start).
DISPLAY="$display" TASKLY_UPDATE_CHECK=off "$root/usr/bin/taskly-desktop" >"$work/app.log" 2>&1 &
app_pid=$!
pids+=("$app_pid")
if [ "$have_xwininfo" -eq 1 ]; then
  window=""
  for _ in $(seq 150); do
    kill -0 "$app_pid" 2>/dev/null || fail "the app exited: $(cat "$work/app.log")"
    window="$(xwininfo -root -tree -display "$display" 2>/dev/null | grep -F '"Taskly Desktop"' || true)"
    [ -n "$window" ] && break
    sleep 0.2
  done
  [ -n "$window" ] || fail "the app's window did not appear within 30 s"
  echo "   window: $(echo "$window" | head -n1 | sed 's/^ *//')"
  sleep 2
else
  echo "   note: no xwininfo (apt install x11-utils): only checking that the app stays up for 8 s"
  sleep 8
fi
kill -0 "$app_pid" 2>/dev/null || fail "the app exited: $(cat "$work/app.log")"
if grep -h "ERROR" "$TASKLY_DATA_DIR"/logs/*.log 2>/dev/null; then fail "the app logged errors"; fi

phase "no secret, test key or development file in what was installed"
# Key-shaped strings of the repository's tests, demos and fixtures, plus this run's key, looked
# for in every installed file and in ui/dist, which the app embeds compressed (a search of the
# binary alone would not see inside it).
git grep -hoE '(sk-(proj-|ant-(api03-)?|or-v1-)?|AIza|gsk_|xai-)[A-Za-z0-9_-]{16,}' -- crates src-tauri ui/src ui/e2e scripts \
  | sort -u > "$work/test-keys"
echo "$test_key" >> "$work/test-keys"
# An update-signing private key (tauri signer), in plain text or base64, and PEM private keys.
# Each marker is written in two pieces, so this file does not itself look like it holds a key
# (src-tauri/tests/no_private_keys.rs scans every tracked file).
printf '%s\n' 'rsign encrypted ''secret key' 'dW50cnVzdGVkIGNvbW1lbnQ6IHJzaWduIGVuY3J5cHRlZCBzZWNy''ZXQga2V5' \
  '-----BEGIN PRIVATE'' KEY-----' '-----BEGIN OPENSSH PRIVATE'' KEY-----' >> "$work/test-keys"
found=""
while IFS= read -r -d '' file; do
  hits="$(grep -aoF -f "$work/test-keys" "$file" | sort -u || true)"
  [ -z "$hits" ] || found+="$file: $hits"$'\n'
done < <(find "$root/usr" -type f -print0; find ui/dist -type f -print0)
[ -z "$found" ] || fail "installed files contain test keys or secrets:
$found"
echo "   $(wc -l < "$work/test-keys") strings checked in $(find "$root/usr" -type f | wc -l) installed files and ui/dist: none found"
[ -z "$(find "$TASKLY_DATA_DIR" -type f -exec grep -alF "$test_key" {} + 2>/dev/null)" ] || fail "the data folder holds the key in plain text"

phase "done"
echo "deb upgrade test: $v1 → $v2 in $(( $(date +%s) - started )) s"
