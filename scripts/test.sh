#!/usr/bin/env bash
# Runs every check and test. Starts the real parts the tests need (each test starts its own
# private D-Bus session and GNOME Keyring through taskly-testkit, and its own loopback fake
# provider) and stops everything it started, even when a test fails. Nothing leaves loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taskly-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Tests never touch the real session's keyring or proxies: a private bus wraps the whole run,
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

echo "== format";  cargo fmt --all -- --check
echo "== lint";    cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== tests"
set +e
dbus-run-session -- cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$TMPDIR/test.log"
status=${PIPESTATUS[0]}
set -e
passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$TMPDIR/test.log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed' "$TMPDIR/test.log" | awk '{s+=$1} END {print s+0}')
echo "tests: $passed passed, $failed failed"
exit "$status"
