#!/usr/bin/env bash
# Runs the official MCP conformance suite's task scenarios (the io.modelcontextprotocol/tasks
# extension, protocol 2026-07-28, stateless Streamable HTTP) against a server and prints a
# tally per scenario and in total. See tests/conformance/README.md for what the scenarios
# send and expect.
#
#   bash scripts/conformance.sh URL                   e.g. http://127.0.0.1:8931/mcp
#   CONFORMANCE_SCENARIOS="tasks-lifecycle tasks-wire-fields" bash scripts/conformance.sh URL
#
# The suite (tests/conformance/package-lock.json) needs Node >= 22; Node 22 comes from npm
# into ~/.cache/mcp-tasks/node22 and is put first on PATH for the suite's commands only.
# Results (one checks.json per scenario) go to $CONFORMANCE_OUT, by default
# test-output/conformance/ in the repository. Exit status 1 when any check failed.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/install.sh"

CONFORMANCE_DIR="$ROOT/tests/conformance"
CONFORMANCE_OUT="${CONFORMANCE_OUT:-$ROOT/test-output/conformance}"

# conformance ARGS...: the suite's CLI on Node 22.
conformance() {
  PATH="$NODE22_BIN:$PATH" node "$CONFORMANCE_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js" "$@"
}

# The task scenarios this version of the suite knows, from its own list (so a newer pinned
# version brings its new scenarios along).
task_scenarios() {
  conformance list --server | sed -nE 's/^ *- (tasks-[a-z0-9-]+).*/\1/p'
}

# count_checks DIR: prints "passed failed warnings skipped" for the newest checks.json under
# DIR (the suite writes one directory per run, named after the scenario and a timestamp).
count_checks() {
  local checks
  checks="$(ls -t "$1"/*/checks.json 2>/dev/null | head -n 1 || true)"
  if [[ -z "$checks" ]]; then
    echo "0 1 0 0"
    return
  fi
  PATH="$NODE22_BIN:$PATH" node -e '
    const checks = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const n = (s) => checks.filter((c) => c.status === s).length;
    console.log(n("SUCCESS"), n("FAILURE"), n("WARNING"), n("SKIPPED"));' "$checks"
}

step_install() {
  ensure_conformance_tools
}

SCENARIO_LINES=()
step_run() {
  local url="$1" scenario dir log passed failed warnings skipped scenarios
  # shellcheck disable=SC2206 # a space-separated list on purpose
  scenarios=(${CONFORMANCE_SCENARIOS:-$(task_scenarios)})
  if ((${#scenarios[@]} == 0)); then
    echo "the conformance suite lists no tasks-* server scenarios" >&2
    return 1
  fi
  for scenario in "${scenarios[@]}"; do
    dir="$CONFORMANCE_OUT/$scenario"
    log="$dir.log"
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "-- $scenario"
    # The CLI exits non-zero when a check fails; the tally below decides, so keep going.
    # Its own --timeout (30 s per scenario by default) bounds each run.
    conformance server --url "$url" --scenario "$scenario" -o "$dir" >"$log" 2>&1 || true
    # Check lines only; the full output (with the scenario's requirements text) is in the log.
    sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^[0-9T:.-]+Z \[|^Server test error' || true
    read -r passed failed warnings skipped < <(count_checks "$dir")
    TESTS_PASSED=$((TESTS_PASSED + passed))
    TESTS_FAILED=$((TESTS_FAILED + failed))
    TESTS_SKIPPED=$((TESTS_SKIPPED + skipped))
    SCENARIO_LINES+=("$(printf '%3d passed %3d failed %3d warnings %3d skipped  %s' \
      "$passed" "$failed" "$warnings" "$skipped" "$scenario")")
  done
}

main() {
  if (($# != 1)); then
    echo "usage: bash scripts/conformance.sh URL" >&2
    exit 2
  fi
  run_step "install the conformance suite" step_install
  run_step "conformance tasks scenarios against $1" step_run "$1"
  print_step_times
  printf '\nper scenario (details in %s):\n' "$CONFORMANCE_OUT"
  printf '  %s\n' "${SCENARIO_LINES[@]}"
  echo
  echo "summary: $TESTS_PASSED passed, $TESTS_FAILED failed, $TESTS_SKIPPED skipped"
  if ((TESTS_FAILED > 0)); then exit 1; fi
}

main "$@"
