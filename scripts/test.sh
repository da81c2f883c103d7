#!/usr/bin/env bash
# Runs every check and test. Starts the real parts the tests need and stops everything it
# started, even when a test fails: each Rust test starts its own private D-Bus session and GNOME
# Keyring (taskly-testkit) and its own loopback fake provider and proxy; the UI runs in Debian's
# Chromium with the IPC mocked; the real app runs under Xvfb, driven through tauri-driver and
# WebKitWebDriver. Nothing leaves loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taskly-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Tests never touch the real session's keyring or proxies: a private bus wraps the Rust tests,
# and every temporary file (keyrings, data folders) lives under one folder removed at the end.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY="127.0.0.1,localhost,::1"
TMPDIR="$(mktemp -d /tmp/taskly-test.XXXXXX)"
export TMPDIR
cleanup() {
  pkill -f "$TMPDIR" 2>/dev/null || true
  rm -rf "$TMPDIR"
}
trap cleanup EXIT INT TERM

status=0
step() { echo; echo "== $*"; }

step "UI: type check and lint";      npm --prefix ui run check
step "UI: component tests";          npm --prefix ui test
step "UI: build";                    npm --prefix ui run build
step "UI: Chromium, IPC mocked";     npm --prefix ui run e2e

step "format";  cargo fmt --all -- --check
step "lint";    cargo clippy --workspace --all-targets --locked -- -D warnings
step "supply chain: licences, bans, sources (deny.toml)"
cargo deny --all-features --locked --offline --log-level error check licenses bans sources
step "tests"
set +e
dbus-run-session -- cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$TMPDIR/test.log"
status=${PIPESTATUS[0]}
set -e

step "the real app: release build, WebKitGTK under Xvfb, tauri-driver"
cargo build --locked --release -p taskly-desktop
set +e
TASKLY_APP_BINARY="$CARGO_TARGET_DIR/release/taskly-desktop" dbus-run-session -- \
  cargo test --locked -p taskly-desktop --test real_window --test webview_attacks -- --ignored --test-threads=1 2>&1 | tee -a "$TMPDIR/test.log"
e2e=${PIPESTATUS[0]}
set -e
[ "$e2e" -eq 0 ] || status=$e2e

step "the .deb: install, add a key, upgrade: the key is still there"
./scripts/deb-upgrade-test.sh --same-binary || status=1

passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$TMPDIR/test.log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$TMPDIR/test.log" | awk '{s+=$1} END {print s+0}')
echo
echo "Screenshots: artifacts/e2e (real window), ui/artifacts/screenshots (Chromium)"
echo "tests: $passed passed, $failed failed"
exit "$status"
