#!/usr/bin/env bash
# The load test: a release `mcp-tasks serve` on a free loopback port, and the load
# generator (examples/load) against it, every cohort at once:
#
#   bash scripts/load.sh              10,000 live tasks, 90 s of load (~3 min with a warm build)
#   LOAD_QUICK=1 bash scripts/load.sh 1,000 tasks, 20 s of load (under a minute, warm build)
#
# Cohorts: task creators (both generations), pollers (tasks/get), slow readers (GET streams,
# held tasks/result, subscriptions/listen; read slowly or never), slowloris connections,
# oversize bodies and headers, and normal clients calling a tool (their p50/p99 is the
# figure that matters). The `build_report` tasks last two thirds of the load phase, so all
# of them are live at once and all end before the final fetch. Prints a table and the
# server's RSS, then stops the server with SIGTERM while the slow and slowloris connections
# are still open and says how long it took; exits non-zero when a task's result could not
# be fetched, a normal client or creator failed, or the server died or did not stop. LOAD_SECS and LOAD_TASKS override the defaults.
# Not part of the test command.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
cd "$ROOT"

if [[ "${LOAD_QUICK:-0}" != "0" ]]; then
  SECS=20 TASKS=1000 POLLERS=20 SLOW=12 LORIS=20 OVERSIZE=1 NORMAL=4 DRAIN=20
else
  SECS=90 TASKS=10000 POLLERS=50 SLOW=30 LORIS=50 OVERSIZE=2 NORMAL=10 DRAIN=60
fi
SECS="${LOAD_SECS:-$SECS}"
TASKS="${LOAD_TASKS:-$TASKS}"
DEMO_MS=$((SECS * 1000 * 2 / 3))

# Sockets: the cohorts hold a few hundred connections at once.
ulimit -n 8192 2>/dev/null || true

build() {
  cargo build "${CARGO_LOCKED[@]}" --quiet --release --features cli --bin mcp-tasks --example load
}

SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

ADDR=""
start_server() {
  local log i
  log="$(mktemp)"
  CLEANUP_PATHS+=("$log")
  SERVER_LOG="$log"
  trap 'stop_server; on_exit' EXIT
  trap 'echo; exit 130' INT TERM
  # Port 0: the kernel picks a free one; the server prints the address it got.
  "$CARGO_TARGET_DIR/release/mcp-tasks" serve --listen 127.0.0.1:0 --www "$ROOT/www" \
    --demo-duration "$DEMO_MS" 2>"$log" &
  SERVER_PID=$!
  for ((i = 0; i < 100; i++)); do
    # Only a whole line: the server may be half way through writing it.
    ADDR="$(sed -n 's|^mcp-tasks: MCP at http://\(.*\)/mcp$|\1|p' "$log" | head -n 1)"
    if [[ -n "$ADDR" ]] || ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [[ -z "$ADDR" ]]; then
    cat "$log" >&2
    echo "load.sh: mcp-tasks serve did not start" >&2
    exit 1
  fi
  echo "server: pid $SERVER_PID at $ADDR (build_report tasks take ${DEMO_MS} ms)"
}

LOAD_RC=0
load() {
  "$CARGO_TARGET_DIR/release/examples/load" --addr "$ADDR" --pid "$SERVER_PID" \
    --secs "$SECS" --tasks "$TASKS" --pollers "$POLLERS" --slow "$SLOW" \
    --slowloris "$LORIS" --oversize "$OVERSIZE" --normal "$NORMAL" --drain-secs "$DRAIN" \
    --stop 1 || LOAD_RC=$?
  # The generator stopped the server (SIGTERM, timed, with its rude connections still open);
  # a server that died or hung instead exits otherwise.
  local rc=0
  wait "$SERVER_PID" || rc=$?
  SERVER_PID=""
  if ((rc != 0)); then
    echo "load.sh: the server exited with $rc" >&2
    cat "$SERVER_LOG" >&2
    LOAD_RC=1
  fi
}

run_step "build (release)" build
run_step "start mcp-tasks serve" start_server
run_step "load: ${TASKS} tasks, ${SECS} s" load
print_step_times
exit "$LOAD_RC"
