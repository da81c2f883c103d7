#!/usr/bin/env bash
# Builds and starts Taskly Desktop. Installs what is missing first.
#
# With TASKLY_PROXY_URL set, the app runs against that Taskly service, your session's
# credential store and your data folder. Without it (a newcomer, an offline machine) it runs a
# clearly labelled DEMO: a loopback stand-in plays Taskly's service and the AI providers, and a
# real OpenID Provider on loopback (tests/oidc-provider) plays Taskly's sign-in, with a throwaway
# keyring and data folder, so you can try the whole flow (sign in, chat through "Taskly", add a
# key) without touching real keys or accounts. Use the demo key it prints; sign in with any name. On a machine without a display, the window opens on a virtual
# display (Xvfb).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taskly-target}"
echo "Building the UI and the app (release)…"
npm --prefix ui run build --silent
cargo build --locked --release -p taskly-desktop -p taskly-fake-ai
bin="$CARGO_TARGET_DIR/release"

work="$(mktemp -d /tmp/taskly-run.XXXXXX)"
pids=()
source scripts/lib-private-keyring.sh
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  stop_private_keyring
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

if [ -z "${TASKLY_PROXY_URL:-}" ]; then
  demo_key="sk-proj-DemoDemoDemo0123456789abcdefDEMO"
  start_private_keyring "$work/keyring"
  export TASKLY_DATA_DIR="$work/data" TASKLY_DEMO=1
  # The demo never asks releases.taskly.chat for updates, unless TASKLY_UPDATE_ENDPOINT is set on purpose.
  [ -n "${TASKLY_UPDATE_ENDPOINT:-}" ] || export TASKLY_UPDATE_CHECK=off
  # The sign-in service: it prints its issuer URL, and stops when this script's pipe closes.
  mkfifo "$work/oidc-in"
  node tests/oidc-provider/server.mjs <"$work/oidc-in" >"$work/oidc-out" 2>"$work/oidc.log" &
  pids+=($!)
  exec {oidc_stdin}>"$work/oidc-in"
  for _ in $(seq 100); do [ -s "$work/oidc-out" ] && break; sleep 0.1; done
  issuer="$(sed -n 's/.*"issuer":"\([^"]*\)".*/\1/p' "$work/oidc-out")"
  [ -n "$issuer" ] || { echo "The demo sign-in service did not start; see $work/oidc.log" >&2; cat "$work/oidc.log" >&2; exit 1; }
  export TASKLY_AUTH_URL="$issuer"
  TASKLY_FAKE_AI_INTROSPECTION_SECRET=taskly-proxy-secret \
    "$bin/taskly-fake-ai" --key "$demo_key" --chunk-delay-ms 40 \
    --introspection-url "$issuer/token/introspection" \
    --url-file "$work/fake-url" >/dev/null &
  pids+=($!)
  for _ in $(seq 50); do [ -s "$work/fake-url" ] && break; sleep 0.1; done
  fake="$(cat "$work/fake-url")"
  export TASKLY_PROXY_URL="$fake/proxy/v1"
  for p in OPENAI MISTRAL GROQ OPENROUTER DEEPSEEK XAI; do export "TASKLY_${p}_BASE_URL=$fake/openai/v1"; done
  export TASKLY_ANTHROPIC_BASE_URL="$fake/anthropic/v1" TASKLY_GEMINI_BASE_URL="$fake/gemini/v1beta"
  cat <<MSG

  DEMO MODE: "Taskly" and the providers are a stand-in on this machine ($fake),
  and Taskly's sign-in is a real OpenID Provider on this machine ($issuer).
  Sign in (Settings → Account, or the header) with any name and password, e.g. "ana".
  Add a key in Settings → AI keys with this demo key:  $demo_key
  Anything else is refused as an invalid key. Nothing leaves this machine.

MSG
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "No display: opening the window on a virtual display (Xvfb :77)."
  Xvfb :77 -screen 0 1280x800x24 >/dev/null 2>&1 &
  pids+=($!)
  export DISPLAY=:77
  sleep 1
fi
"$bin/taskly-desktop"
