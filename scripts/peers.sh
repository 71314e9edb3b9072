#!/usr/bin/env bash
# Interop proof: the official MCP SDK clients (TypeScript SDK 1.32.2, Python mcp 1.30.0)
# run their task flows against a server, and every check must pass.
#
#   bash scripts/peers.sh SERVER_URL          e.g. http://127.0.0.1:8931/mcp
#   bash scripts/peers.sh --sdk-servers       both clients against both SDK reference servers
#   bash scripts/peers.sh --rmcp-server       the 2026-07-28 wire probe against the rmcp peer server
#   bash scripts/peers.sh --plain SERVER_URL  a host without task support against a server
#                                             in task-tools mode (mcp-tasks serve --task-tools)
#   bash scripts/peers.sh --example           the TS SDK client and `mcp-tasks call` against
#                                             examples/custom_tool.rs (a tool of one's own)
#   bash scripts/peers.sh --hosting SERVER_URL  the TS SDK client with a task store hosting
#                                             the questions of `mcp-tasks serve` as tasks
#
# SERVER_URL is passed unchanged to both clients (tests/peers/ts-client.mjs and
# tests/peers/py-client.py). The server must expose the fixture tools those scripts
# describe: slow_compute, confirm_delete, failing_job, greet. Both clients always run;
# the script fails if either failed. PEERS_SKIP_ELICITATION=1 skips the elicitation check,
# PEERS_CHECK_TIMEOUT_MS bounds each check (default 20000).
#
# --plain runs tests/peers/ts-plain-host.mjs only: the TS SDK client with no capabilities
# drives long tools through plain tools/call and the control tools (get_task_status,
# get_task_result, cancel_task, list_my_tasks, answer_task_input).
#
# --hosting runs tests/peers/ts-hosting-client.mjs only: the TS SDK client declares
# tasks.requests.elicitation.create and tasks.cancel, answers deploy_release's question
# with a task from its InMemoryTaskStore and the answer only later; the server must poll
# that task at its pollInterval, fetch the answer, and cancel the task when the call is
# cancelled. Run it against `mcp-tasks serve --demo-duration 300` (the demo tools).
#
# --example builds and starts examples/custom_tool.rs, a server whose only tool, word_count,
# is registered through mcp_tasks::server::Tool like any user's. The TS SDK client
# (tests/peers/ts-word-count.mjs) calls it as a task, with progress, and plainly; then
# `mcp-tasks call` runs it as a task in both generations and must see the count and
# progress (notifications/progress under 2025-11-25; status messages under 2026-07-28,
# which carries no progress for tasks).
#
# --sdk-servers starts tests/peers/ts-server.mjs and tests/peers/py-server.py on free
# loopback ports and runs all four client/server pairings: that validates the client
# scripts themselves against the SDKs' own servers.
#
# --rmcp-server builds tests/peers/rmcp-server (rmcp 3.9.0, the io.modelcontextprotocol/tasks
# extension only) with scripts/lib/install.sh's ensure_rmcp_server, starts it on a free
# port and runs tests/peers/rmcp-probe.mjs, a raw-HTTP 2026-07-28 client, against it. The
# SDK clients speak 2025-11-25 tasks only, so they are not run there.
#
# SERVER_URL also gets the official generation-agnostic requester, @modelcontextprotocol/ext-tasks
# 0.2.2 on the TS SDK v2 client (tests/peers/ext-tasks-requester.mjs), once per generation
# (2025-11-25 and 2026-07-28); it needs protocol_error_job besides the tools above, so it
# runs against our server only.
#
# --native runs the requestor engine on the native driver against all of them at once:
# the TS and Python SDK servers, the rmcp server and `mcp-tasks serve` (both generations),
# as tests/native_peers.rs (`cargo test --features cli --test native_peers --test native_hosted -- --ignored`,
# server URLs in MCP_TASKS_PEER_*), then `mcp-tasks call` completes a task, answers an
# elicitation and cancels a task on each (exit statuses 0, 0 and 3). It also reads a task
# the Python server fails by an exception (exit 1, the message shown), and drives the
# official everything server (@modelcontextprotocol/server-everything, 2025-11-25): its task
# tool simulate-research-query (result, elicitation, Ctrl-C) and the plain tools the CLI can
# call (echo, get-sum, progress, a form with multi-select fields).
#
# Dependencies are installed on first use (scripts/lib/install.sh: ensure_peer_tools):
# tests/peers/node_modules from the lockfile, and a venv under ~/.cache/mcp-tasks.
# scripts/test.sh can source this file and call run_peer_clients URL once our server runs.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/install.sh"

PEERS_DIR="$ROOT/tests/peers"
EVERYTHING_SERVER="$PEERS_DIR/node_modules/@modelcontextprotocol/server-everything/dist/index.js"
PEER_FAILURES=()

# tally_peer_log LOG: adds the closing "N passed, N failed[, N skipped]" line of a client
# script to the run's totals. A log without that line (the script crashed) counts as a failure.
tally_peer_log() {
  local log="$1" line passed failed skipped
  line="$(grep -E '^([a-z]+: )?[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)"
  if [[ -z "$line" ]]; then
    TESTS_FAILED=$((TESTS_FAILED + 1))
    return
  fi
  # The probe prints "summary: N passed, ..."; the SDK client scripts print no prefix.
  line="${line#*: }"
  passed="$(sed -E 's/^([0-9]+) passed.*/\1/' <<<"$line")"
  failed="$(sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/' <<<"$line")"
  skipped="$(sed -nE 's/.*, ([0-9]+) skipped.*/\1/p' <<<"$line")"
  TESTS_PASSED=$((TESTS_PASSED + passed))
  TESTS_FAILED=$((TESTS_FAILED + failed))
  TESTS_SKIPPED=$((TESTS_SKIPPED + ${skipped:-0}))
}

# run_client NAME URL COMMAND...: runs one client script, keeps going when it fails (so
# both clients always report), and remembers the failure for the end.
run_client() {
  local name="$1" url="$2" log
  shift 2
  log="$(mktemp)"
  CLEANUP_PATHS+=("$log")
  echo "-- $name against $url"
  if "$@" "$url" 2>&1 | tee "$log"; then
    :
  else
    PEER_FAILURES+=("$name against $url")
  fi
  tally_peer_log "$log"
}

run_peer_clients() {
  local url="$1"
  run_client "TS SDK client" "$url" node "$PEERS_DIR/ts-client.mjs"
  run_client "Python SDK client" "$url" "$PEERS_VENV/bin/python" "$PEERS_DIR/py-client.py"
}

# run_ext_tasks URL: the ext-tasks requester in both generations.
run_ext_tasks() {
  local url="$1" protocol
  for protocol in 2025-11-25 2026-07-28; do
    run_client "ext-tasks requester ($protocol)" "$url" \
      node "$PEERS_DIR/ext-tasks-requester.mjs" --protocol "$protocol"
  done
}

free_port() {
  "$PEERS_VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

SERVER_PIDS=()
stop_servers() {
  local pid
  for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SERVER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  SERVER_PIDS=()
}

# start_server LOG COMMAND...: starts a reference server in the background and waits (at
# most 15 s) for its "listening on URL" line; sets SERVER_URL. Not called in $(...): the
# server's PID must be recorded in this shell so that it can be stopped.
SERVER_URL=""
start_server() {
  local log="$1" i
  shift
  "$@" >"$log" 2>&1 &
  SERVER_PIDS+=($!)
  for ((i = 0; i < 300; i++)); do
    # The peers say "listening on URL"; mcp-tasks serve says "mcp-tasks: MCP at URL"; the
    # everything server names only its port (on every interface, loopback included).
    # Only a whole line counts: the server may be half way through writing it.
    SERVER_URL="$(sed -nE -e 's#^(listening on|mcp-tasks: MCP at) (http://.*/mcp/?)$#\2#p' \
      -e 's#^MCP Streamable HTTP Server listening on port ([0-9]+)$#http://127.0.0.1:\1/mcp#p' \
      "$log" | head -n 1)"
    if [[ -n "$SERVER_URL" ]]; then return 0; fi
    if ! kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "reference server did not start: $*" >&2
  cat "$log" >&2
  return 1
}

step_install() {
  ensure_peer_tools
}

step_sdk_servers() {
  local ts_log py_log ts_url py_url
  ts_log="$(mktemp)"
  py_log="$(mktemp)"
  CLEANUP_PATHS+=("$ts_log" "$py_log")
  trap 'stop_servers; on_exit' EXIT
  start_server "$ts_log" node "$PEERS_DIR/ts-server.mjs" "$(free_port)"
  ts_url="$SERVER_URL"
  start_server "$py_log" "$PEERS_VENV/bin/python" "$PEERS_DIR/py-server.py" "$(free_port)"
  py_url="$SERVER_URL"
  run_peer_clients "$ts_url"
  run_peer_clients "$py_url"
  stop_servers
}

step_install_rmcp() {
  ensure_node
  ensure_rmcp_server
}

# Port 0: the server picks a free port and names it on its "listening on URL" line.
step_rmcp_server() {
  local log
  log="$(mktemp)"
  CLEANUP_PATHS+=("$log")
  trap 'stop_servers; on_exit' EXIT
  start_server "$log" "$RMCP_SERVER_BIN" --listen 127.0.0.1:0
  run_client "2026-07-28 wire probe" "$SERVER_URL" node "$PEERS_DIR/rmcp-probe.mjs"
  stop_servers
}

# check NAME COMMAND...: one "ok"/"not ok" line and the tally, whatever the command does.
check() {
  local name="$1"
  shift
  if "$@"; then
    echo "ok - $name"
    TESTS_PASSED=$((TESTS_PASSED + 1))
  else
    echo "not ok - $name"
    TESTS_FAILED=$((TESTS_FAILED + 1))
    PEER_FAILURES+=("$name")
  fi
}

# call_completes URL [FLAGS...]: `mcp-tasks call` runs slow_compute to a result.
call_completes() {
  local url="$1" out
  shift
  out="$("$MCP_TASKS_BIN" call "$@" "$url" slow_compute '{"seconds": 1, "steps": 2}' 2>/dev/null)" &&
    grep -q 'comput' <<<"$out"
}

# call_answers URL [FLAGS...]: `mcp-tasks call --json` answers confirm_delete's question
# from stdin and prints the tool's result.
call_answers() {
  local url="$1" out
  shift
  out="$(echo '{"action": "accept", "content": {"confirm": true}}' |
    "$MCP_TASKS_BIN" call --json "$@" "$url" confirm_delete '{"filename": "a.txt"}' 2>/dev/null)" &&
    grep -q 'deleted' <<<"$out"
}

# call_cancels URL [FLAGS...]: SIGINT (Ctrl-C) cancels the task on the server; exit 3.
# CANCEL_TOOL and CANCEL_ARGS name another long task tool than slow_compute.
call_cancels() {
  local url="$1" pid status log i args='{"seconds": 30}'
  shift
  log="$(mktemp)"
  CLEANUP_PATHS+=("$log")
  args="${CANCEL_ARGS:-$args}"
  "$MCP_TASKS_BIN" call --json "$@" "$url" "${CANCEL_TOOL:-slow_compute}" "$args" 2>"$log" >/dev/null &
  pid=$!
  for ((i = 0; i < 100; i++)); do
    if grep -q '"status":"working"' "$log"; then break; fi
    sleep 0.1
  done
  kill -INT "$pid"
  status=0
  wait "$pid" || status=$?
  ((status == 3))
}

# call_fails_with URL TOOL MESSAGE: `mcp-tasks call` of a task that fails ends with exit 1
# and shows MESSAGE, whatever payload the server sends for the failure.
call_fails_with() {
  local url="$1" tool="$2" message="$3" log status=0
  log="$(mktemp)"
  CLEANUP_PATHS+=("$log")
  "$MCP_TASKS_BIN" call "$url" "$tool" >/dev/null 2>"$log" || status=$?
  sed 's/^/  # /' "$log"
  ((status == 1)) && grep -qF "$message" "$log"
}

# everything_research URL: the everything server's task tool runs to its report. (Output
# is read whole before grep: `grep -q` leaving early would break the pipe under pipefail.)
everything_research() {
  local out
  out="$("$MCP_TASKS_BIN" call "$1" simulate-research-query '{"topic": "interop"}' 2>/dev/null)" &&
    grep -q 'Research Report: interop' <<<"$out"
}

# everything_clarifies URL: its ambiguous research asks (a titled single-select) and uses
# the answer.
everything_clarifies() {
  local out
  out="$(echo '{"action": "accept", "content": {"interpretation": "historical"}}' |
    "$MCP_TASKS_BIN" call --json "$1" simulate-research-query '{"topic": "rust", "ambiguous": true}' \
      2>/dev/null)" && grep -q 'Clarification\*\*: historical' <<<"$out"
}

# everything_plain URL: plain tools, no task: echo and get-sum.
everything_plain() {
  local echoed sum
  echoed="$("$MCP_TASKS_BIN" call "$1" echo '{"message": "interop"}' 2>/dev/null)" &&
    sum="$("$MCP_TASKS_BIN" call "$1" get-sum '{"a": 2, "b": 3}' 2>/dev/null)" &&
    grep -q 'Echo: interop' <<<"$echoed" && grep -q 'is 5' <<<"$sum"
}

# everything_progress URL: a plain call's progress shows as running (a null status in
# --json, "[running]" on a pipe), never an empty status.
everything_progress() {
  local json text
  json="$("$MCP_TASKS_BIN" call --json "$1" trigger-long-running-operation '{"duration": 0.4, "steps": 2}' 2>&1 >/dev/null)" &&
    text="$("$MCP_TASKS_BIN" call "$1" trigger-long-running-operation '{"duration": 0.4, "steps": 2}' 2>&1 >/dev/null)" &&
    grep -q '"progress":2.0,"status":null' <<<"$json" && ! grep -q '"status":""' <<<"$json" &&
    grep -q '^\[running\] 100%' <<<"$text" && ! grep -q '^\[\]' <<<"$text"
}

# everything_form URL: the everything server's form typed on the terminal (here: piped),
# fields in name order; both multi-select fields go out as arrays.
everything_form() {
  local out
  out="$(printf '\n\n\n\n\n\n\nalice\n\nfish-2, fish-3\n\nPiano,Drums\n\n' |
    "$MCP_TASKS_BIN" call "$1" trigger-elicitation-request 2>/dev/null)" &&
    grep -qF 'titledMultipleSelectEnum\": [\n      \"fish-2\",\n      \"fish-3\"' <<<"$out" &&
    grep -qF 'untitledMultipleSelectEnum\": [\n      \"Piano\",\n      \"Drums\"' <<<"$out"
}

step_build_native() {
  ensure_peer_tools
  ensure_rmcp_server
  cargo build "${CARGO_LOCKED[@]}" --features cli --bin mcp-tasks --tests
  MCP_TASKS_BIN="$CARGO_TARGET_DIR/debug/mcp-tasks"
}

step_native() {
  local log name url flags
  declare -A urls
  trap 'stop_servers; on_exit' EXIT
  for name in ts py rmcp ours everything; do
    log="$(mktemp)"
    CLEANUP_PATHS+=("$log")
    case "$name" in
      ts) start_server "$log" node "$PEERS_DIR/ts-server.mjs" "$(free_port)" ;;
      py) start_server "$log" "$PEERS_VENV/bin/python" "$PEERS_DIR/py-server.py" "$(free_port)" ;;
      rmcp) start_server "$log" "$RMCP_SERVER_BIN" --listen 127.0.0.1:0 ;;
      ours) start_server "$log" "$MCP_TASKS_BIN" serve --listen 127.0.0.1:0 ;;
      everything) start_server "$log" env PORT="$(free_port)" node "$EVERYTHING_SERVER" streamableHttp ;;
    esac
    urls[$name]="$SERVER_URL"
  done
  log="$(mktemp)"
  CLEANUP_PATHS+=("$log")
  if MCP_TASKS_PEER_TS="${urls[ts]}" MCP_TASKS_PEER_PY="${urls[py]}" \
    MCP_TASKS_PEER_RMCP="${urls[rmcp]}" MCP_TASKS_PEER_OURS="${urls[ours]}" \
    cargo test "${CARGO_LOCKED[@]}" --features cli --test native_peers --test native_hosted -- --ignored --nocapture 2>&1 | tee "$log"; then
    :
  else
    PEER_FAILURES+=("native_peers")
  fi
  tally_cargo_test "$log"
  for name in ts py rmcp ours/2025-11-25 ours/2026-07-28; do
    url="${urls[${name%%/*}]}"
    flags=()
    if [[ "$name" == */* ]]; then flags=(--protocol "${name#*/}"); fi
    check "mcp-tasks call completes a task on $name" call_completes "$url" "${flags[@]}"
    check "mcp-tasks call answers an elicitation on $name" call_answers "$url" "${flags[@]}"
    check "mcp-tasks call cancels on Ctrl-C on $name" call_cancels "$url" "${flags[@]}"
  done
  check "mcp-tasks call reports a task failed by an exception on py (exit 1, message)" \
    call_fails_with "${urls[py]}" raising_job "raising_job broke on purpose"
  check "mcp-tasks call hosts the questions py asks as tasks (elicit_as_task twice)" \
    call_hosts "${urls[py]}"
  url="${urls[everything]}"
  local passed=$TESTS_PASSED failed=$TESTS_FAILED
  check "mcp-tasks call completes the task tool on everything" everything_research "$url"
  check "mcp-tasks call answers the task tool's elicitation on everything" everything_clarifies "$url"
  # Assignments before a function call hold for that call only.
  CANCEL_TOOL=simulate-research-query CANCEL_ARGS='{"topic": "cancel"}' \
    check "mcp-tasks call cancels on Ctrl-C on everything" call_cancels "$url"
  check "mcp-tasks call runs plain tools on everything" everything_plain "$url"
  check "mcp-tasks call shows a plain call's progress on everything" everything_progress "$url"
  check "mcp-tasks call answers multi-select fields with arrays on everything" everything_form "$url"
  echo "everything server: $((TESTS_PASSED - passed)) passed, $((TESTS_FAILED - failed)) failed"
  stop_servers
}

# call_hosts URL: `mcp-tasks call` hosts the two questions approve_twice asks as tasks
# (elicit_as_task), each answered on stdin more than a poll interval after it came, and the
# tool's result names both answers.
call_hosts() {
  local url="$1" log out
  log="$(mktemp)"
  CLEANUP_PATHS+=("$log")
  out="$({
    sleep 1.5
    echo '{"action": "accept", "content": {"confirm": true}}'
    sleep 1.5
    echo '{"action": "decline"}'
  } | "$MCP_TASKS_BIN" call --json "$url" approve_twice 2>"$log")" || return 1
  [[ "$(grep -c '"event":"note","text":"the server asks as task ' "$log")" == 2 ]] &&
    grep -qF '"text": "first: accept/True, second: decline/None"' <<<"$out"
}

# The text word_count counts in the `mcp-tasks call` checks, and its word count.
WORD_TEXT="the quick brown fox jumps over the dog"
WORD_COUNT=8

# call_counts_words URL PROTOCOL: `mcp-tasks call` runs word_count as a task in PROTOCOL to
# its count, and saw its progress on the way.
call_counts_words() {
  local url="$1" protocol="$2" log out progress
  log="$(mktemp)"
  CLEANUP_PATHS+=("$log")
  out="$("$MCP_TASKS_BIN" call --json --protocol "$protocol" "$url" word_count \
    "{\"text\": \"$WORD_TEXT\"}" 2>"$log")" || return 1
  case "$protocol" in
    2025-11-25) progress="\"progress\":[0-9.]+,.*\"total\":$WORD_COUNT(\\.0)?}" ;;
    *) progress="\"statusMessage\":\"counted [0-9]+ of $WORD_COUNT words" ;;
  esac
  grep -q '"event":"note","text":"task .* created"' "$log" &&
    grep -qE "$progress" "$log" &&
    grep -qF "\"text\": \"$WORD_COUNT words\"" <<<"$out"
}

step_build_example() {
  ensure_peer_node_deps
  cargo build "${CARGO_LOCKED[@]}" --features cli --bin mcp-tasks --example custom_tool
  MCP_TASKS_BIN="$CARGO_TARGET_DIR/debug/mcp-tasks"
}

step_example() {
  local log protocol
  log="$(mktemp)"
  CLEANUP_PATHS+=("$log")
  trap 'stop_servers; on_exit' EXIT
  start_server "$log" "$CARGO_TARGET_DIR/debug/examples/custom_tool" --listen 127.0.0.1:0
  run_client "TS SDK client calling word_count" "$SERVER_URL" node "$PEERS_DIR/ts-word-count.mjs"
  for protocol in 2025-11-25 2026-07-28; do
    check "mcp-tasks call counts words as a task, with progress ($protocol)" \
      call_counts_words "$SERVER_URL" "$protocol"
  done
  stop_servers
}

usage() {
  echo "usage: bash scripts/peers.sh SERVER_URL | --sdk-servers | --rmcp-server | --native | --example | --plain SERVER_URL | --hosting SERVER_URL" >&2
  exit 2
}

main() {
  case "$#:${1:-}" in
    2:--plain)
      run_step "install the TS SDK" ensure_peer_node_deps
      run_step "plain host against $2" \
        run_client "TS SDK plain host" "$2" node "$PEERS_DIR/ts-plain-host.mjs"
      ;;
    2:--hosting)
      run_step "install the TS SDK" ensure_peer_node_deps
      run_step "TS SDK client hosting tasks against $2" \
        run_client "TS SDK hosting client" "$2" node "$PEERS_DIR/ts-hosting-client.mjs"
      ;;
    1:--sdk-servers)
      run_step "install peer SDKs" step_install
      run_step "SDK clients against the SDK reference servers" step_sdk_servers
      ;;
    1:--native)
      run_step "build the peers, mcp-tasks and its tests" step_build_native
      run_step "the engine and mcp-tasks call against every peer server" step_native
      ;;
    1:--example)
      run_step "build the example server and mcp-tasks" step_build_example
      run_step "the TS SDK client and mcp-tasks call against the example's own tool" step_example
      ;;
    1:--rmcp-server)
      run_step "build the rmcp peer server" step_install_rmcp
      run_step "wire probe against the rmcp peer server" step_rmcp_server
      ;;
    1:--*) usage ;;
    1:*)
      run_step "install peer SDKs" step_install
      run_step "SDK clients against $1" run_peer_clients "$1"
      run_step "ext-tasks requester (both generations) against $1" run_ext_tasks "$1"
      ;;
    *) usage ;;
  esac
  print_step_times
  echo
  echo "summary: $TESTS_PASSED passed, $TESTS_FAILED failed, $TESTS_SKIPPED skipped"
  if ((${#PEER_FAILURES[@]} > 0)); then
    printf 'failed: %s\n' "${PEER_FAILURES[@]}" >&2
    exit 1
  fi
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
