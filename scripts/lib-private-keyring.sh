#!/usr/bin/env bash
# Sourced by scripts: starts a private D-Bus session bus with an unlocked, throwaway GNOME
# Keyring under "$1" and exports DBUS_SESSION_BUS_ADDRESS. Call stop_private_keyring to end it.
start_private_keyring() {
  local dir="$1"
  mkdir -p "$dir/sock" "$dir/home" "$dir/run"
  chmod 700 "$dir/run"
  cat > "$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$dir/sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/>
  </policy>
</busconfig>
CONF
  dbus-daemon --config-file="$dir/bus.conf" --nofork --nosyslog --print-address=1 > "$dir/address" 2>/dev/null &
  PRIVATE_BUS_PID=$!
  for _ in $(seq 50); do [ -s "$dir/address" ] && break; sleep 0.1; done
  DBUS_SESSION_BUS_ADDRESS="$(head -n1 "$dir/address")"
  export DBUS_SESSION_BUS_ADDRESS
  printf 'throwaway-demo-password' | HOME="$dir/home" XDG_DATA_HOME="$dir/home/.local/share" \
    XDG_RUNTIME_DIR="$dir/run" gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
  PRIVATE_KEYRING_PID=$!
  for _ in $(seq 100); do
    if printf probe | secret-tool store --label=probe service taskly-probe username probe 2>/dev/null; then
      secret-tool clear service taskly-probe username probe 2>/dev/null || true
      return 0
    fi
    sleep 0.1
  done
  echo "could not start a private GNOME Keyring" >&2
  return 1
}

# Stops the keyring, then the bus, by the pids start_private_keyring recorded (both run in the
# foreground, so these are the daemons themselves), and waits until they are gone.
stop_private_keyring() {
  local pid
  for pid in "${PRIVATE_KEYRING_PID:-}" "${PRIVATE_BUS_PID:-}"; do
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PRIVATE_KEYRING_PID="" PRIVATE_BUS_PID=""
}
