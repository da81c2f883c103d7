#!/usr/bin/env bash
# A guided demo of the `taskly` command line against a loopback stand-in for OpenAI, with a
# throwaway keyring and data folder, so it never touches your real keys. Installs what is
# missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taskly-target}"
echo "Building taskly and the demo provider…"
cargo build --locked --quiet -p taskly-cli -p taskly-fake-ai
bin="$CARGO_TARGET_DIR/debug"

work="$(mktemp -d /tmp/taskly-demo.XXXXXX)"
source scripts/lib-private-keyring.sh
cleanup() {
  [ -n "${FAKE_PID:-}" ] && kill "$FAKE_PID" 2>/dev/null || true
  stop_private_keyring
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

start_private_keyring "$work/keyring"
export TASKLY_DATA_DIR="$work/data"
demo_key="sk-proj-DemoDemoDemo0123456789abcdefDEMO"
"$bin/taskly-fake-ai" --key "$demo_key" --proxy-token demo-proxy-token --url-file "$work/fake-url" >/dev/null &
FAKE_PID=$!
for _ in $(seq 50); do [ -s "$work/fake-url" ] && break; sleep 0.1; done
fake="$(cat "$work/fake-url")"
export TASKLY_OPENAI_BASE_URL="$fake/openai/v1"

say() { printf '\n\033[1m# %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@" || true; }

say "Demo: a throwaway GNOME Keyring and data folder, and a stand-in for OpenAI at $fake"
say "Which providers are supported, and where do I get a key?"
show "$bin/taskly" providers
say "Add an OpenAI key (read from standard input, never from the command line)"
printf '$ echo "sk-proj-…DEMO" | taskly keys add --provider openai --label Demo\n'
echo "$demo_key" | "$bin/taskly" keys add --provider openai --label Demo || true
say "It is stored in the Secret Service and shown masked"
show "$bin/taskly" keys list
id="$("$bin/taskly" keys list --json | sed -n 's/.*"id": "\(k_[0-9a-f]*\)".*/\1/p' | head -n1)"
say "Garbage is refused before anything is stored or sent"
printf '$ printf "sk-one\\nsk-two" | taskly keys add --provider openai\n'
printf 'sk-one\nsk-two' | "$bin/taskly" keys add --provider openai || true
say "A key the provider refuses is not saved"
printf '$ echo "sk-proj-wrong…" | taskly keys add --provider openai\n'
echo "sk-proj-WrongWrongWrong0123456789abcdefWRNG" | "$bin/taskly" keys add --provider openai || true
say "Switch it on: requests to OpenAI now use your key"
show "$bin/taskly" keys enable "$id"
say "Health check"
show "$bin/taskly" doctor
say "Remove it: gone from the credential store too"
show "$bin/taskly" keys remove "$id" --yes
show "$bin/taskly" keys list
say "Done. Everything the demo created is removed now."
