#!/usr/bin/env bash
# Generates the updater signing key pair with the Tauri CLI's `signer generate`.
#
# The private key is written OUTSIDE the repository (default ~/.config/taskly/updater.key, mode
# 600) and must never be committed: `cargo test -p taskly-desktop --test no_private_keys` fails if
# one is. The public key is printed; put it in tauri.conf.json under plugins.updater.pubkey.
# In CI the private key is the secret TAURI_SIGNING_PRIVATE_KEY (the file's contents) and its
# password TAURI_SIGNING_PRIVATE_KEY_PASSWORD. See docs/release.md, "Updates and the signing key".
#
# Usage: scripts/updater-keygen.sh [--force]
#   TASKLY_UPDATER_KEY=<path>           where to write the private key (outside the repository)
#   TASKLY_UPDATER_KEY_PASSWORD=<pw>    its password (asked for when unset and a terminal is open)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
key="${TASKLY_UPDATER_KEY:-$HOME/.config/taskly/updater.key}"
force=()
[[ "${1:-}" == "--force" ]] && force=(--force)

key_dir="$(mkdir -p "$(dirname "$key")" && cd "$(dirname "$key")" && pwd -P)"
case "$key_dir/" in
  "$(cd "$root" && pwd -P)/"*)
    echo "refusing: $key is inside the repository; the private key must live outside it" >&2
    exit 1
    ;;
esac
chmod 700 "$key_dir"

if [[ -e "$key" && ${#force[@]} -eq 0 ]]; then
  echo "$key already exists; pass --force to replace it (every installed app then needs the new public key first)" >&2
  exit 1
fi

tauri="$root/ui/node_modules/.bin/tauri"
if [[ ! -x "$tauri" ]]; then
  echo "the Tauri CLI is missing: run 'npm --prefix ui ci' first (@tauri-apps/cli is a dev dependency)" >&2
  exit 1
fi

password=()
if [[ -n "${TASKLY_UPDATER_KEY_PASSWORD+x}" ]]; then
  password=(--password "$TASKLY_UPDATER_KEY_PASSWORD")
elif [[ ! -t 0 ]]; then
  echo "no terminal to ask for a password: set TASKLY_UPDATER_KEY_PASSWORD" >&2
  exit 1
fi

umask 077
"$tauri" signer generate --write-keys "$key" "${password[@]}" "${force[@]}" >/dev/null
chmod 600 "$key"

echo "private key: $key (keep it secret; back it up; CI secret TAURI_SIGNING_PRIVATE_KEY)"
echo "public key (tauri.conf.json, plugins.updater.pubkey):"
cat "$key.pub"
echo
