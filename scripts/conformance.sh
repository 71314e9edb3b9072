#!/usr/bin/env bash
# Runs the official MCP conformance suite against a server: every task scenario (the
# io.modelcontextprotocol/tasks extension, protocol 2026-07-28) plus the transport- and
# tools-level scenarios that apply to a tasks server (EXTRA_SCENARIOS below), and prints a
# tally per scenario and in total. See tests/conformance/README.md for what the scenarios
# send and expect.
#
#   bash scripts/conformance.sh URL                   e.g. http://127.0.0.1:8931/mcp
#   CONFORMANCE_SCENARIOS="tasks-lifecycle tasks-wire-fields" bash scripts/conformance.sh URL
#   CONFORMANCE_SCENARIOS=tasks bash scripts/conformance.sh URL   (every tasks-* scenario only)
#
# tests/conformance/expected-failures.yml lists the checks the reference server is known to
# fail, with why (the suite's own baseline format). The run fails on a failing check that
# is not listed, and on a listed check that passes, so the list stays true. Failing checks
# that are listed are reported as "expected" and do not count as failed in the summary.
#
# The suite (tests/conformance/package-lock.json) needs Node >= 22; Node 22 comes from npm
# into ~/.cache/mcp-tasks/node22 and is put first on PATH for the suite's commands only.
# Results (one checks.json per scenario) go to $CONFORMANCE_OUT, by default
# test-output/conformance/ in the repository. Exit status 1 on an unexpected failure or a
# stale baseline entry.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/install.sh"

CONFORMANCE_DIR="$ROOT/tests/conformance"
CONFORMANCE_OUT="${CONFORMANCE_OUT:-$ROOT/test-output/conformance}"
BASELINE="$CONFORMANCE_DIR/expected-failures.yml"

# Non-task scenarios that exercise what a tasks server must get right: sessions and the
# stateless revision, headers, Origin checks, SSE streams, list caching, tool calls, the
# multi-round-trip envelope. Scenarios about prompts, resources, completions, logging or
# skills are left out: this server has none of those.
EXTRA_SCENARIOS=(
  server-initialize
  server-session-lifecycle
  server-stateless
  ping
  tools-list
  tools-call-simple-text
  tools-call-error
  tools-call-with-progress
  tools-call-elicitation
  dns-rebinding-protection
  http-header-validation
  http-custom-header-server-validation
  caching
  server-sse-polling
  server-sse-multiple-streams
  input-required-result-unsupported-methods
  input-required-result-validate-input
)

# conformance ARGS...: the suite's CLI on Node 22.
conformance() {
  PATH="$NODE22_BIN:$PATH" node "$CONFORMANCE_DIR/node_modules/@modelcontextprotocol/conformance/dist/index.js" "$@"
}

# The task scenarios this version of the suite knows, from its own list (so a newer pinned
# version brings its new scenarios along).
task_scenarios() {
  conformance list --server | sed -nE 's/^ *- (tasks-[a-z0-9-]+).*/\1/p'
}

# count_checks DIR SCENARIO: prints "passed failed expected warnings skipped stale" for the
# newest checks.json under DIR (the suite writes one directory per run, named after the
# scenario and a timestamp), judged against the baseline: a FAILURE or WARNING is
# "expected" when the baseline lists the check (or the whole scenario), "failed"
# otherwise; "stale" names listed checks that passed, comma-separated ("-" for none).
count_checks() {
  local checks
  checks="$(ls -t "$1"/*/checks.json 2>/dev/null | head -n 1 || true)"
  PATH="$NODE22_BIN:$PATH" node -e '
    const fs = require("fs");
    const [checksPath, scenario, baselinePath] = process.argv.slice(1);
    const entries = fs.readFileSync(baselinePath, "utf8").split("\n")
      .map((l) => l.replace(/#.*/, "").trim())
      .filter((l) => l.startsWith("- ")).map((l) => l.slice(2).trim());
    const whole = entries.includes(scenario);
    const listed = new Set(entries.filter((e) => e.startsWith(scenario + ":"))
      .map((e) => e.slice(scenario.length + 1)));
    const bad = (s) => s === "FAILURE" || s === "WARNING";
    if (!checksPath) {
      // The scenario could not run at all (its setup threw): one failure.
      console.log(0, whole ? 0 : 1, whole ? 1 : 0, 0, 0, "-");
      process.exit(0);
    }
    const checks = JSON.parse(fs.readFileSync(checksPath, "utf8"));
    const n = (s) => checks.filter((c) => c.status === s).length;
    // A check id may appear several times; it fails if any instance does.
    const worst = new Map();
    for (const c of checks) {
      if (c.status === "INFO") continue;
      if (!worst.has(c.id) || bad(c.status)) worst.set(c.id, c.status);
    }
    let failed = 0, expected = 0;
    for (const c of checks) {
      if (!bad(c.status)) continue;
      if (whole || listed.has(c.id)) expected++; else failed++;
    }
    const stale = [...listed].filter((id) => worst.get(id) === "SUCCESS");
    if (whole && failed + expected === 0) stale.push("(whole scenario)");
    console.log(n("SUCCESS"), failed, expected, n("WARNING"), n("SKIPPED"),
      stale.length ? stale.join(",") : "-");' "$checks" "$2" "$BASELINE"
}

step_install() {
  ensure_conformance_tools
}

SCENARIO_LINES=()
EXPECTED_FAILED=0
STALE=()
step_run() {
  local url="$1" scenario dir log passed failed expected warnings skipped stale scenarios
  # shellcheck disable=SC2206 # a space-separated list on purpose
  scenarios=(${CONFORMANCE_SCENARIOS:-$(task_scenarios) ${EXTRA_SCENARIOS[*]}})
  # CONFORMANCE_SCENARIOS=tasks: the task scenarios only (the Worker's run, scripts/wasm.sh).
  if [[ "${CONFORMANCE_SCENARIOS:-}" == tasks ]]; then
    # shellcheck disable=SC2207 # one scenario name per line
    scenarios=($(task_scenarios))
  fi
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
    # Its own --timeout (30 s per scenario by default) bounds each run. Handing it the
    # baseline too makes it check the file's format and print its own verdict in the log.
    conformance server --url "$url" --scenario "$scenario" --expected-failures "$BASELINE" \
      -o "$dir" >"$log" 2>&1 || true
    # Check lines only; the full output (with the scenario's requirements text) is in the log.
    sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^[0-9T:.-]+Z \[|^Server test error|Invalid expected-failures' || true
    read -r passed failed expected warnings skipped stale < <(count_checks "$dir" "$scenario")
    TESTS_PASSED=$((TESTS_PASSED + passed))
    TESTS_FAILED=$((TESTS_FAILED + failed))
    TESTS_SKIPPED=$((TESTS_SKIPPED + skipped))
    EXPECTED_FAILED=$((EXPECTED_FAILED + expected))
    if [[ "$stale" != "-" ]]; then
      STALE+=("$scenario: $stale")
    fi
    SCENARIO_LINES+=("$(printf '%3d passed %3d failed %3d expected %3d warnings %3d skipped  %s' \
      "$passed" "$failed" "$expected" "$warnings" "$skipped" "$scenario")")
  done
}

main() {
  if (($# != 1)); then
    echo "usage: bash scripts/conformance.sh URL" >&2
    exit 2
  fi
  run_step "install the conformance suite" step_install
  run_step "conformance scenarios against $1" step_run "$1"
  print_step_times
  printf '\nper scenario (details in %s):\n' "$CONFORMANCE_OUT"
  printf '  %s\n' "${SCENARIO_LINES[@]}"
  echo
  echo "expected failures (${BASELINE#"$ROOT"/}): $EXPECTED_FAILED"
  if ((${#STALE[@]} > 0)); then
    echo "stale baseline entries (these pass now; remove them from the baseline):"
    printf '  %s\n' "${STALE[@]}"
  fi
  echo "summary: $TESTS_PASSED passed, $TESTS_FAILED failed, $TESTS_SKIPPED skipped"
  if ((TESTS_FAILED > 0 || ${#STALE[@]} > 0)); then exit 1; fi
}

main "$@"
