#!/usr/bin/env bash
# Regenerates the screenshots of docs/ux.md in one command: runs the Playwright suite (built UI in
# Debian's Chromium, IPC mocked) and the real-window test (release build, WebKitGTK under Xvfb,
# tauri-driver, a private GNOME Keyring and the loopback fake provider) the way scripts/test.sh
# does, then copies a chosen set of their PNGs into docs/ux/ under stable names, downscaled with
# ImageMagick when it is installed. Nothing leaves loopback.
#
#   ./scripts/screenshots.sh                 # both suites (the real window needs a release build)
#   ./scripts/screenshots.sh --no-real-window  # Playwright only; keeps the real-window PNGs there are
#   ./scripts/screenshots.sh --copy-only       # no tests: copy from the last runs (e.g. of test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

real_window=1
run_tests=1
for arg in "$@"; do
  case "$arg" in
    --no-real-window) real_window=0 ;;
    --copy-only) run_tests=0 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

[ "$run_tests" -eq 0 ] || ./scripts/setup.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taskly-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# As in scripts/test.sh: no proxies, and every temporary file under one folder removed at the end.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY="127.0.0.1,localhost,::1"
TMPDIR="$(mktemp -d /tmp/taskly-shots.XXXXXX)"
export TMPDIR
trap 'rm -rf "$TMPDIR"' EXIT INT TERM

shots=ui/artifacts/screenshots
real=artifacts/e2e
out=docs/ux

if [ "$run_tests" -eq 1 ]; then
  echo "== UI: build, then Chromium with the IPC mocked"
  rm -rf "$shots"
  npm --prefix ui run build
  npm --prefix ui run e2e
fi

if [ "$run_tests" -eq 1 ] && [ "$real_window" -eq 1 ]; then
  echo "== the real app: release build, WebKitGTK under Xvfb, tauri-driver"
  cargo build --locked --release -p taskly-desktop
  TASKLY_APP_BINARY="$CARGO_TARGET_DIR/release/taskly-desktop" dbus-run-session -- \
    cargo test --locked -p taskly-desktop --test real_window -- --ignored --test-threads=1
fi

# source (relative to its suite's folder) → name in docs/ux/. Names are stable; docs/ux.md uses them.
playwright_set=(
  desktop-light-main-01-home.png:home.png
  desktop-light-guide-01-first-run.png:first-run.png
  desktop-light-main-03-hygiene-message.png:add-hygiene.png
  desktop-light-main-04-checking.png:add-checking.png
  desktop-light-main-05-saved-masked.png:add-saved.png
  desktop-light-main-09-invalid-key.png:add-invalid.png
  desktop-light-guide-02-unreachable.png:add-unreachable.png
  desktop-light-guide-03-rate-limited-saved.png:add-rate-limited.png
  desktop-light-guide-04-quota-saved.png:add-quota.png
  desktop-light-main-06-switched-on.png:switch-on.png
  desktop-light-switch-02-one-per-provider.png:switch-one-per-provider.png
  desktop-light-guide-05-edit.png:edit.png
  desktop-light-guide-06-edited.png:edited.png
  desktop-light-main-10-delete-confirm.png:delete-confirm.png
  desktop-light-main-11-deleted.png:deleted.png
  desktop-light-main-07-palette-personal.png:chat-personal.png
  desktop-light-main-08-palette-taskly.png:chat-taskly.png
  desktop-light-errors-02-rate-limited.png:chat-rate-limited.png
  desktop-light-guide-chat-01-quota.png:chat-quota.png
  desktop-light-guide-chat-02-outage.png:chat-outage.png
  desktop-light-errors-03-stream-cut.png:chat-stream-cut.png
  desktop-light-errors-04-invalid-in-chat.png:chat-invalid-key.png
  desktop-light-errors-05-update-key-opened.png:chat-update-key.png
  desktop-light-switch-03-privacy.png:privacy.png
  desktop-light-store-01-banner.png:store-broken.png
  desktop-dark-main-07-palette-personal.png:dark-chat-personal.png
  phone-light-main-05-saved-masked.png:phone-add-saved.png
  desktop-light-account-03-adopt-local-keys.png:sign-in-adopt-keys.png
  desktop-light-account-05-account-menu.png:account-menu.png
  desktop-light-spend-keys-01-backup-order.png:keys-backup-order.png
  desktop-light-spend-keys-02-balance.png:keys-balance.png
  desktop-light-spend-keys-03-rate-limited.png:keys-rate-limited.png
  desktop-light-spend-keys-04-quota.png:keys-quota.png
  desktop-light-spend-keys-05-invalid.png:keys-invalid.png
  desktop-light-spend-receipt-01-collapsed.png:receipt-collapsed.png
  desktop-light-spend-receipt-02-expanded.png:receipt-expanded.png
  desktop-light-import-01-finds.png:import-finds.png
  desktop-light-import-02-results.png:import-results.png
  desktop-light-import-03-preview.png:import-preview.png
  desktop-light-import-04-rewritten.png:import-rewritten.png
  desktop-light-guard-01-blocked.png:chat-prompt-guard.png
  phone-light-import-01-finds.png:phone-import-finds.png
)
real_set=(
  light/01-home.png:real-home.png
  light/03-key-saved.png:real-key-saved.png
  light/04-invalid-key.png:real-invalid-key.png
  light/05-chat-personal.png:real-chat-personal.png
  light/06-key-off.png:real-key-off.png
  light/07-chat-taskly.png:real-chat-taskly.png
  dark/05-chat-personal.png:real-dark-chat-personal.png
  signin/01-signed-out.png:real-signed-out.png
  signin/02-sign-in-required.png:real-sign-in-required.png
  signin/03-waiting-for-the-browser.png:real-sign-in-waiting.png
  signin/04-signed-in.png:real-signed-in.png
  signin/05-route-label.png:real-route-account.png
  signin/06-settings-account.png:real-settings-account.png
  plaintext/01-finds.png:real-import-finds.png
  plaintext/03-preview.png:real-import-preview.png
  plaintext/05-blocked.png:real-prompt-guard.png
  plaintext/06-clipboard-offer.png:real-clipboard-offer.png
)

mkdir -p "$out"
have_convert=0
command -v convert >/dev/null 2>&1 && have_convert=1
[ "$have_convert" -eq 1 ] || echo "note: ImageMagick's convert is not installed; copying at full size"

copy() {
  local from="$1" to="$2"
  if [ ! -f "$from" ]; then
    echo "missing: $from (did its test run?)" >&2
    return 1
  fi
  if [ "$have_convert" -eq 1 ]; then
    # 800 px wide and 256 colours keep text readable at a quarter of the size; no metadata
    # (timestamps), so an unchanged picture stays byte-identical.
    convert "$from" -resize '800x800>' -strip -define png:exclude-chunks=date,time -colors 256 +dither "PNG8:$out/$to"
  else
    cp "$from" "$out/$to"
  fi
}

missing=0
for pair in "${playwright_set[@]}"; do copy "$shots/${pair%%:*}" "${pair#*:}" || missing=1; done
if [ "$real_window" -eq 1 ]; then
  for pair in "${real_set[@]}"; do copy "$real/${pair%%:*}" "${pair#*:}" || missing=1; done
fi

du -ch "$out"/*.png | tail -n1 | sed 's/total/docs\/ux total/'
[ "$missing" -eq 0 ] || { echo "some screenshots are missing" >&2; exit 1; }
echo "Screenshots written to $out/ (see docs/ux.md)."
