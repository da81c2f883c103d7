#!/usr/bin/env bash
# Tries the README's two commands as a newcomer would: a fresh clone of this repository's HEAD
# (so no ui/node_modules, no build output), a throwaway HOME, an empty CARGO_HOME (no registry
# cache, no cargo-installed tools), an empty npm cache and a new target folder. Only the Rust
# toolchain is the machine's (none can be downloaded here): its bin folder goes on PATH, rustup
# does not. The Debian packages stay what the machine has (they cannot be uninstalled for this).
#
# Runs ./scripts/test.sh, then ./scripts/run.sh under a timeout (the window opens on its own Xvfb,
# since there is no DISPLAY), checks that the app is up and its window is there, and stops it.
# Reports the wall time of each step (test.sh's own per-step times) and whether the machine was
# busy with other builds meanwhile. It takes long (30 to 60 minutes on 2 cores), so it is not part
# of the test command. Logs go to artifacts/fresh-check/<time>/ (report.txt is the summary).
# Usage: scripts/fresh-check.sh [--keep] [--app-seconds N]
#   --keep            keep the throwaway folder (clone, HOME, CARGO_HOME, target: several GB)
#   --app-seconds N   how long the app must stay up before it is stopped (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$(pwd)"
keep=0
app_seconds=15
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep=1; shift ;;
    --app-seconds) app_seconds="${2:?--app-seconds needs a number}"; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

# shellcheck source=scripts/lib-leaks.sh
source scripts/lib-leaks.sh

toolchain="$(rustc --print sysroot 2>/dev/null)/bin"
[ -x "$toolchain/cargo" ] || { echo "fresh-check: no Rust toolchain found (rustc --print sysroot)" >&2; exit 1; }
rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
display_number=77 # the one scripts/run.sh opens when there is no display
if [ -e "/tmp/.X11-unix/X$display_number" ] || [ -e "/tmp/.X$display_number-lock" ]; then
  echo "fresh-check: display :$display_number is taken, and scripts/run.sh opens its window there" >&2
  exit 1
fi

fresh="$(mktemp -d /tmp/taskly-fresh.XXXXXX)"
logs="$repo/artifacts/fresh-check/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$logs" "$fresh/home" "$fresh/cargo-home" "$fresh/npm-cache"
report="$logs/report.txt"
say() { echo "$*" | tee -a "$report"; }
duration() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

sampler=""
run_pid=""
cleanup() {
  local status=$?
  [ -z "$sampler" ] || { kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null; } || true
  [ -z "$run_pid" ] || { kill "$run_pid" 2>/dev/null; wait "$run_pid" 2>/dev/null; } || true
  stop_leaked "$fresh" "left behind" || status=1
  if [ "$keep" -eq 1 ]; then echo "kept: $fresh"; else rm -rf "$fresh"; fi
  echo "logs: $logs"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# What else this machine is compiling meanwhile: compiler processes that are not this check's.
count_compilers() {
  local dir comm ours=0 others=0 entry mine
  for dir in /proc/[0-9]*; do
    { read -r comm < "$dir/comm"; } 2>/dev/null || continue
    case "$comm" in rustc | cc1 | cc1plus | ld | ld.bfd | ld.gold | node) ;; *) continue ;; esac
    mine=0
    { while IFS= read -r -d '' entry; do
        if [[ "$entry" == *"$fresh"* ]]; then mine=1; break; fi
      done < "$dir/environ"; } 2>/dev/null || true
    if [ "$mine" -eq 1 ]; then ours=$((ours + 1)); else others=$((others + 1)); fi
  done
  echo "$ours $others"
}
(
  nap=""
  trap '[ -z "$nap" ] || kill "$nap" 2>/dev/null; exit 0' TERM
  while :; do
    read -r l1 l5 l15 _ < /proc/loadavg
    echo "$(date -u +%H:%M:%S) load $l1 $l5 $l15 compilers(this check, others) $(count_compilers)"
    sleep 30 & nap=$!
    wait "$nap" || true
  done
) > "$logs/load.log" 2>&1 &
sampler=$!

# The newcomer's environment: nothing of this shell's but the machine's certificate settings.
fresh_env=(
  HOME="$fresh/home"
  PATH="$fresh/cargo-home/bin:$toolchain:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  CARGO_HOME="$fresh/cargo-home"
  RUSTUP_HOME="$rustup_home"
  CARGO_TARGET_DIR="$fresh/target"
  npm_config_cache="$fresh/npm-cache"
  LANG="${LANG:-C.UTF-8}"
  TERM=dumb
)
for var in SSL_CERT_FILE SSL_CERT_DIR NODE_EXTRA_CA_CERTS CURL_CA_BUNDLE GIT_SSL_CAINFO \
           http_proxy https_proxy HTTP_PROXY HTTPS_PROXY no_proxy NO_PROXY; do
  [ -z "${!var:-}" ] || fresh_env+=("$var=${!var}")
done
in_fresh() { (cd "$fresh/repo" && env -i "${fresh_env[@]}" "$@"); }

say "fresh-check of $(git rev-parse --short HEAD) ($(git log -1 --format=%s | cut -c1-80))"
say "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo) RAM, $(. /etc/os-release && echo "$PRETTY_NAME"), $("$toolchain/rustc" --version), node $(node --version 2>/dev/null || echo none)"
say "started $(date -u '+%Y-%m-%d %H:%M UTC'); load $(cut -d' ' -f1-3 /proc/loadavg); compilers (this check, others): $(count_compilers)"
say ""

t0=$SECONDS
git clone --quiet --no-hardlinks "$repo" "$fresh/repo"
[ ! -e "$fresh/repo/ui/node_modules" ] || { echo "the clone has ui/node_modules" >&2; exit 1; }
say "$(printf '%8s  %s' "$(duration $((SECONDS - t0)))" "git clone of HEAD")"

# 1. The test command.
t0=$SECONDS
set +e
in_fresh ./scripts/test.sh > "$logs/test.log" 2>&1
test_status=$?
set -e
test_time=$((SECONDS - t0))
say ""
say "./scripts/test.sh: exit $test_status after $(duration "$test_time") (log: test.log)"
sed -n '/^== time per step/,$p' "$logs/test.log" | tail -n +2 | tee -a "$report"
grep -E '^tests: ' "$logs/test.log" | tail -1 | sed 's/^/  /' | tee -a "$report" || true
grep -A20 -E '^== (LEAKED|left behind)' "$logs/test.log" | tee -a "$report" || true
stop_leaked "$fresh" "left behind by test.sh" 2>&1 | tee -a "$report" || test_status=1

# 2. The run command: builds, starts the demo, opens the window on Xvfb :77.
say ""
t0=$SECONDS
app_binary="$fresh/target/release/taskly-desktop"
in_fresh ./scripts/run.sh > "$logs/run.log" 2>&1 &
run_pid=$!
app_pid=""
run_status=0
deadline=$((SECONDS + 60 * 60))
while [ -z "$app_pid" ]; do
  if ! kill -0 "$run_pid" 2>/dev/null; then
    wait "$run_pid" && run_status=1 || run_status=$?
    run_pid=""
    say "./scripts/run.sh ended (exit $run_status) before the app started: see run.log"
    tail -n 20 "$logs/run.log" | tee -a "$report"
    break
  fi
  [ "$SECONDS" -lt "$deadline" ] || { say "./scripts/run.sh: no app after 60 minutes"; run_status=1; break; }
  if [ -e "$app_binary" ]; then
    for dir in /proc/[0-9]*; do
      # -ef: the same file as the one /proc/PID/exe points to (a builtin, no process per pid).
      if [ "$dir/exe" -ef "$app_binary" ]; then app_pid="${dir#/proc/}"; break; fi
    done 2>/dev/null
  fi
  [ -n "$app_pid" ] || sleep 2
done
if [ -n "$app_pid" ]; then
  say "$(printf '%8s  %s' "$(duration $((SECONDS - t0)))" "./scripts/run.sh: setup, UI and release build until the app process started")"
  t1=$SECONDS
  window=""
  while [ $((SECONDS - t1)) -lt "$app_seconds" ]; do
    kill -0 "$app_pid" 2>/dev/null || break
    [ -n "$window" ] || window="$(DISPLAY=":$display_number" xwininfo -root -tree 2>/dev/null | grep -F '"Taskly Desktop"' | head -n1 | sed 's/^ *//' || true)"
    sleep 1
  done
  if ! kill -0 "$app_pid" 2>/dev/null; then
    say "the app (pid $app_pid) exited within $app_seconds s: see run.log"; run_status=1
  elif [ -z "$window" ]; then
    say "the app ran $app_seconds s but its window \"Taskly Desktop\" never appeared on :$display_number"; run_status=1
  else
    say "  the app is up after $app_seconds s, window: $window"
    grep -q 'DEMO MODE' "$logs/run.log" && say "  demo mode announced with its demo key"
  fi
  # The app is run.sh's foreground command: once it ends, run.sh stops the fake, Xvfb and the keyring.
  kill -TERM "$app_pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$run_pid" 2>/dev/null || break; sleep 0.2; done
  kill -0 "$run_pid" 2>/dev/null && { say "run.sh did not end 20 s after its app was stopped"; run_status=1; }
  wait "$run_pid" 2>/dev/null || true
  run_pid=""
fi
stop_leaked "$fresh" "left behind by run.sh" 2>&1 | tee -a "$report" || run_status=1

say ""
say "in all $(duration $SECONDS); ended $(date -u '+%H:%M UTC'); load $(cut -d' ' -f1-3 /proc/loadavg)"
say "machine load meanwhile (every 30 s): load.log; most compilers of other builds seen at once: $(awk '{print $NF}' "$logs/load.log" | sort -n | tail -1)"
if [ "$test_status" -eq 0 ] && [ "$run_status" -eq 0 ]; then
  say "fresh-check: PASSED"
else
  say "fresh-check: FAILED (test.sh exit $test_status, run.sh check $run_status)"
  exit 1
fi
