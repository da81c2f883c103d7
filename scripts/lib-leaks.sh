#!/usr/bin/env bash
# Sourced by scripts: finds the processes a run started by the folder they all mention (a run
# exports TMPDIR=<its folder>, which every process it starts inherits, and most of them also get
# paths under it on their command line), so a process that outlived the run is found whoever
# started it and however it was started (a test's Drop that never ran, an orphaned grandchild).
# They are stopped by pid, never by a name pattern.

# processes_mentioning DIR: the pids of the processes whose command line or environment contains
# DIR, except this shell. Read with bash builtins only, so the search finds no helper of its own
# (a helper would inherit the environment and match).
processes_mentioning() {
  local needle="$1" dir pid entry file
  for dir in /proc/[0-9]*; do
    pid="${dir#/proc/}"
    [ "$pid" != "$$" ] && [ "$pid" != "$BASHPID" ] || continue
    for file in "$dir/cmdline" "$dir/environ"; do
      # A process may end (or be a zombie, with nothing to read) while it is read: not counted.
      { while IFS= read -r -d '' entry || [ -n "$entry" ]; do
          if [[ "$entry" == *"$needle"* ]]; then echo "$pid"; break 2; fi
        done < "$file"; } 2>/dev/null || true
    done
  done
}

# stop_leaked DIR [WHAT]: gives the processes that mention DIR up to 5 s to end on their own (a
# test that just stopped its children, a daemon shutting down), then reports every one still
# alive as leaked on stderr, stops it by pid (TERM, then KILL a second later) and returns 1.
# Returns 0 when none is left. WHAT replaces "LEAKED" in the report (e.g. after an interrupt).
stop_leaked() {
  local needle="$1" what="${2:-LEAKED}" pid pids=() name
  for _ in $(seq 20); do
    mapfile -t pids < <(processes_mentioning "$needle")
    [ ${#pids[@]} -gt 0 ] || return 0
    sleep 0.25
  done
  {
    echo
    echo "== $what: ${#pids[@]} process(es) started by this run still running; stopping them by pid"
    for pid in "${pids[@]}"; do
      name="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-220 || true)"
      echo "   pid $pid (parent $(awk '/^PPid:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo '?')): ${name:-?}"
    done
  } >&2
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  done
  return 1
}
