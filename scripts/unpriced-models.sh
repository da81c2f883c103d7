#!/usr/bin/env bash
# Reports the models seen in this computer's usage that have no price in the price table
# (crates/taskly-core/data/prices.json). Their requests count as nothing in the estimated cost
# and in the budgets, so each one listed is a price to add (with the table's as_of and source).
#
# It reads `taskly usage --json`, whose rows carry `estimated_cost_usd: null` exactly when the
# core's own lookup (dated ids, Azure and OpenRouter names included) finds no price, so this
# script never second-guesses that lookup. Custom endpoints are never priced, by design: they are
# counted apart, not listed.
#
#   scripts/unpriced-models.sh [--days N] [--account NAME] [--input FILE] [--check]
#     --days N        how many days back (default 30, as `taskly usage`)
#     --account NAME  the Taskly account (default: the local profile)
#     --input FILE    read saved `taskly usage --json` output instead of running taskly (- = stdin)
#     --check         exit 1 when a model is unpriced (for scripts)
#   TASKLY=/path/to/taskly picks the binary (default: `taskly` on PATH, else this checkout's
#   debug build in $CARGO_TARGET_DIR or target/).
#
# Needs node (the UI's toolchain) to read the JSON.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
prices="$root/crates/taskly-core/data/prices.json"

days=30 account="" input="" check=0
while [ $# -gt 0 ]; do
  case "$1" in
    --days) days="${2:?--days needs a number}"; shift 2 ;;
    --account) account="${2:?--account needs a name}"; shift 2 ;;
    --input) input="${2:?--input needs a file}"; shift 2 ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
command -v node >/dev/null || { echo "node is needed to read the JSON (scripts/setup.sh installs it)" >&2; exit 2; }

tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
if [ -n "$input" ]; then
  if [ "$input" = "-" ]; then cat >"$tmp"; else cp "$input" "$tmp"; fi
else
  taskly="${TASKLY:-}"
  if [ -z "$taskly" ]; then
    if command -v taskly >/dev/null; then
      taskly=taskly
    else
      for dir in "${CARGO_TARGET_DIR:-}" "$root/target"; do
        [ -n "$dir" ] && [ -x "$dir/debug/taskly" ] && { taskly="$dir/debug/taskly"; break; }
      done
    fi
  fi
  [ -n "$taskly" ] || { echo "no taskly binary: set TASKLY, or build it (cargo build -p taskly-cli)" >&2; exit 2; }
  args=(usage --json --days "$days")
  [ -z "$account" ] || args+=(--account "$account")
  "$taskly" "${args[@]}" >"$tmp"
fi

node - "$tmp" "$prices" "$check" <<'JS'
const fs = require("fs");
const [file, pricesFile, check] = process.argv.slice(2);
const report = JSON.parse(fs.readFileSync(file, "utf8"));
const table = JSON.parse(fs.readFileSync(pricesFile, "utf8"));
if (!Array.isArray(report.rows)) {
  console.error("not the output of `taskly usage --json` (no rows)");
  process.exit(2);
}
const unpriced = new Map();
let custom = 0;
for (const row of report.rows) {
  if (row.estimated_cost_usd !== null && row.estimated_cost_usd !== undefined) continue;
  if (row.provider === "custom") {
    custom += row.requests;
    continue;
  }
  const id = `${row.provider}/${row.model}`;
  const seen = unpriced.get(id) ?? { id, requests: 0, input: 0, output: 0, last: "" };
  seen.requests += row.requests;
  seen.input += row.input_tokens;
  seen.output += row.output_tokens;
  if (row.day > seen.last) seen.last = row.day;
  unpriced.set(id, seen);
}
const since = report.since ?? "?";
console.log(`Usage since ${since}; prices as of ${table.as_of} (crates/taskly-core/data/prices.json).`);
if (unpriced.size === 0) {
  console.log("Every model seen has a price.");
} else {
  const rows = [...unpriced.values()].sort((a, b) => b.requests - a.requests || a.id.localeCompare(b.id));
  const lines = [["MODEL (provider/model)", "REQUESTS", "TOKENS IN", "TOKENS OUT", "LAST SEEN"]];
  for (const r of rows) lines.push([r.id, String(r.requests), String(r.input), String(r.output), r.last]);
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const l of lines) console.log(l.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd());
  console.log(`${rows.length} model(s) without a price: add them to the table, with its as_of and source.`);
}
if (custom > 0) console.log(`(${custom} request(s) to custom endpoints: never priced, by design.)`);
process.exit(check === "1" && unpriced.size > 0 ? 1 : 0);
JS
