#!/usr/bin/env bash
# Runs the routing benchmark (issue 4): the full chat path against a bare HTTP call, on
# loopback only, with the fake provider and fake Taskly proxy started inside the benchmark.
# Release profile (cargo's default for benches); takes about a minute on two cores. Prints the
# path of the JSON it wrote. A missed target is reported, not a failure. See docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/taskly-target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# Nothing here may leave the machine, and loopback must never go through a proxy.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY="127.0.0.1,localhost,::1"

cargo bench -p taskly-core --bench routing
echo "JSON: $CARGO_TARGET_DIR/taskly-bench/routing.json"
# The prompt guard (issue 14): a 100 KB question checked for keys, next to a plain str::contains.
cargo bench -p taskly-core --bench prompt_guard
echo "JSON: $CARGO_TARGET_DIR/taskly-bench/prompt_guard.json"
