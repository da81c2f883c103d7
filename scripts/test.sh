#!/usr/bin/env bash
# Runs every check and test. Starts the real parts the tests need and stops everything it
# started, even when a test fails: each Rust test starts its own private D-Bus session and GNOME
# Keyring (taskly-testkit) and its own loopback fake provider and proxy; the UI runs in Debian's
# Chromium with the IPC mocked; the real app runs under Xvfb, driven through tauri-driver and
# WebKitWebDriver. Nothing leaves loopback.
#
# Leftover state never makes a run pass: variables that change what the tests do (TASKLY_*,
# INSTA_*, PROPTEST_*, RUST_LOG) are unset, Playwright starts its own server (it never reuses one),
# and at the end every process still alive that mentions this run's folder ($TMPDIR, which every
# process of the run inherits) is reported as leaked, stopped by its pid, and fails the run.
# It prints how long each step took.
set -euo pipefail
cd "$(dirname "$0")/.."

# What the tests do comes from the tests, never from the caller's shell: a leftover
# INSTA_UPDATE / INSTA_FORCE_PASS / TASKLY_UPDATE_BINDINGS would accept any snapshot or binding,
# PROPTEST_CASES=1 would hollow out the property tests, RUST_LOG=off would hide what the log
# tests look for, and TASKLY_DATA_DIR, TASKLY_PROXY_URL, TASKLY_*_BASE_URL, TASKLY_FAULT_PAUSE, …
# would point the tests' processes elsewhere. The run sets what it needs itself.
while IFS= read -r var; do
  case "$var" in TASKLY_* | INSTA_* | PROPTEST_* | RUST_LOG) unset "$var" ;; esac
done < <(compgen -e)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taskly-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Where `cargo install` (setup.sh) puts tauri-driver and cargo-deny; searched last.
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
case ":$PATH:" in *":$cargo_bin:"*) ;; *) export PATH="$PATH:$cargo_bin" ;; esac

# Every temporary file of the run (keyrings, data folders) lives under one folder, removed at
# the end, and every process of the run inherits its name.
run_dir="$(mktemp -d /tmp/taskly-test.XXXXXX)"
export TMPDIR="$run_dir"

started=$SECONDS
step_name=""
step_started=$SECONDS
timings=()
duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
step_done() {
  [ -n "$step_name" ] || return 0
  timings+=("$(printf '%8s  %s' "$(duration $((SECONDS - step_started)))" "$step_name")")
  step_name=""
}
step() { step_done; step_name="$*"; step_started=$SECONDS; echo; echo "== $*   [$(date -u +%H:%M:%S)]"; }

# shellcheck source=scripts/lib-leaks.sh
source scripts/lib-leaks.sh
interrupted=0
# shellcheck disable=SC2317  # called by the trap
cleanup() {
  local status=$?
  step_done
  # Helpers started from here on do not carry the run's folder, so they are not counted.
  export TMPDIR=/tmp
  if [ "$interrupted" -eq 1 ]; then
    stop_leaked "$run_dir" "interrupted" || true
  elif ! stop_leaked "$run_dir"; then
    echo "FAIL: the run left processes running (listed above): a test or script does not stop what it starts" >&2
    [ "$status" -ne 0 ] || status=1
  fi
  rm -rf "$run_dir"
  if [ ${#timings[@]} -gt 0 ]; then
    echo
    echo "== time per step"
    printf '%s\n' "${timings[@]}"
    printf '%8s  %s\n' "$(duration $((SECONDS - started)))" "in all"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'interrupted=1; exit 130' INT TERM

status=0

step "setup: what is missing (scripts/setup.sh)"; ./scripts/setup.sh
# Setup may need the proxies to download; the tests never touch the real session's keyring or
# proxies (a private bus wraps the Rust tests).
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY="127.0.0.1,localhost,::1"
step "UI: type check and lint";      npm --prefix ui run check
step "UI: component tests";          npm --prefix ui test
step "UI: build";                    npm --prefix ui run build
# TASKLY_E2E_REUSE_SERVER is unset above: Playwright starts its own preview of this build.
step "UI: Chromium, IPC mocked";     npm --prefix ui run e2e

step "format";  cargo fmt --all -- --check
step "lint";    cargo clippy --workspace --all-targets --locked -- -D warnings
step "supply chain: licences, bans, sources (deny.toml)"
# deny reads the metadata of every target's dependencies (macOS, Windows, Android too), which a
# Linux build never downloads: fetch them all first, so the check does not depend on the cache.
cargo fetch --locked --quiet
cargo deny --all-features --locked --offline --log-level error check licenses bans sources
step "tests"
set +e
dbus-run-session -- cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$run_dir/test.log"
status=${PIPESTATUS[0]}
set -e

step "the real app: release build, WebKitGTK under Xvfb, tauri-driver"
cargo build --locked --release -p taskly-desktop
set +e
TASKLY_APP_BINARY="$CARGO_TARGET_DIR/release/taskly-desktop" dbus-run-session -- \
  cargo test --locked -p taskly-desktop --test real_window --test webview_attacks -- --ignored --test-threads=1 2>&1 | tee -a "$run_dir/test.log"
e2e=${PIPESTATUS[0]}
set -e
[ "$e2e" -eq 0 ] || status=$e2e

step "the .deb: install, add a key, upgrade: the key is still there"
./scripts/deb-upgrade-test.sh --same-binary || status=1
step_done

passed=$( (grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed' "$run_dir/test.log" || true) | awk '{s+=$4} END {print s+0}')
failed=$( (grep -Eo '[0-9]+ failed' "$run_dir/test.log" || true) | awk '{s+=$1} END {print s+0}')
echo
echo "Screenshots: artifacts/e2e (real window), ui/artifacts/screenshots (Chromium)"
echo "tests: $passed passed, $failed failed"
exit "$status"
