#!/usr/bin/env bash
# The npm package's proof: builds it, then runs it everywhere it is meant to run.
#
#   bash scripts/wasm.sh
#
# 1. wasm-pack build --release for the `web` (pkg/, the published package, its JS then
#    minified), `nodejs` (pkg-node/) and `bundler` (pkg-bundler/) targets, wasm-opt -Oz; the
#    optimised .wasm imports nothing from "env"; and the package's `mcp-tasks/host` entry,
#    the `web` build with cargo feature `host` (pkg-host/, minified);
# 2. starts `mcp-tasks serve` (serving the README's page at / and pkg/ at /pkg/) and the
#    TypeScript SDK server (tests/peers/ts-server.mjs, with CORS);
# 3. the wasm tests (tests/wasm_client.rs, tests/wasm_arguments.rs, tests/wasm_events.rs,
#    tests/wasm_scale.rs, tests/wasm_driver.rs and the bindings' unit tests) under
#    `wasm-pack test --node` and, the same binary, in headless Chromium and headless
#    Firefox (Debian's firefox-esr, geckodriver built from crates.io);
# 4. the built package from JS: Node (web build with initSync, nodejs build), workerd (a
#    Worker, and a Durable Object that follows a task from alarms across a restart), and
#    the page example in Chromium over WebDriver; the host entry in Node with `hostTasks`
#    against the Python SDK server (tests/peers/py-server.py) and the TypeScript SDK server,
#    and in a page in Chromium (tests/js/host.test.mjs);
# 4b. the Worker package (pkg-worker/, npm `mcp-tasks-worker`, cargo feature `worker`):
#    tests/js/worker.test.mjs in workerd (our client and the TS SDK client against
#    McpTaskServer in a Durable Object, a restart mid-task, TTL expiry by alarm, owners,
#    and the store conformance suite over the object's SQLite, from the `worker-suite`
#    build in pkg-worker-suite/); then `bash scripts/worker.sh` serving the example Worker
#    to the SDK peer clients (scripts/peers.sh) and the conformance suite's tasks-*
#    scenarios (scripts/conformance.sh);
# 5. the TypeScript usage files with tsc --noEmit, and no `any` on the public surface;
# 6. the size report (ours vs the TypeScript SDK, gzip) and its gate: the `web` package may
#    not grow past the ceiling in tests/js/size/gate.json (see scripts/size-report.mjs).
# Every runner must report at least one passed test. Ends with
# `summary: N passed, N failed, N skipped`.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/install.sh"
source "$ROOT/scripts/lib/worker-package.sh"
cd "$ROOT"

ensure_wasm_package_tools
export PATH="$WASM_TOOLS_BIN:$ROOT/tests/js/node_modules/.bin:$PATH"
# Debug-built test runners are slower; the defaults (20 s per test) are too tight for
# tasks that run for seconds.
export WASM_BINDGEN_TEST_TIMEOUT=120

TMP_DIR="$(mktemp -d)"
CLEANUP_PATHS+=("$TMP_DIR")
PIDS=()
stop_servers() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap 'stop_servers; on_exit' EXIT

FAILED=0
# count_runner LOG NAME: adds a runner's results and fails the run when it passed nothing.
count_runner() {
  local log="$1" name="$2" passed failed
  read -r passed failed < <(
    awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
         /^# pass / { p += $3 } /^# fail / { f += $3 }
         /^summary: [0-9]+ passed, [0-9]+ failed/ { p += $2; f += $4 }
         END { printf "%d %d\n", p, f }' "$log"
  )
  TESTS_PASSED=$((TESTS_PASSED + passed))
  TESTS_FAILED=$((TESTS_FAILED + failed))
  echo "$name: $passed passed, $failed failed"
  if ((passed == 0 || failed > 0)); then
    echo "$name: FAILED (a runner must pass at least one test and fail none)" >&2
    FAILED=1
  fi
}

# run_runner NAME COMMAND...: runs a test runner, keeps going when it fails so that every
# runner reports, and counts its results.
run_runner() {
  local name="$1" log
  shift
  log="$TMP_DIR/$(echo "$name" | tr -c 'a-z0-9' '_').log"
  echo "---- $name"
  set +e
  "$@" 2>&1 | tee "$log"
  set -e
  count_runner "$log" "$name"
}

step_build() {
  local target out
  for target in web nodejs bundler; do
    case "$target" in
      web) out="$ROOT/pkg" ;;
      nodejs) out="$ROOT/pkg-node" ;;
      *) out="$ROOT/pkg-$target" ;;
    esac
    wasm-pack --quiet build --release --target "$target" --out-dir "$out" --out-name mcp_tasks
  done
  # The published package ships its JS minified, as the TS SDK bundle it is measured
  # against is.
  node "$ROOT/scripts/minify-package.mjs" "$ROOT/pkg"
  node -e 'const p = require(process.argv[1]); if (p.name !== "mcp-tasks") throw new Error(`package name ${p.name}`);
    for (const f of ["mcp_tasks.js", "mcp_tasks_bg.wasm", "mcp_tasks.d.ts"]) if (!p.files.includes(f)) throw new Error(`files lacks ${f}`);
    console.log(`${p.name} ${p.version}: ${p.files.join(", ")}`)' "$ROOT/pkg/package.json"
  node "$ROOT/scripts/check-wasm-imports.mjs" "$ROOT/pkg/mcp_tasks_bg.wasm"
  # The host entry: the same package with the receiver core linked for `hostTasks`, built
  # after pkg/, whose bytes it never changes.
  wasm-pack --quiet build --release --target web --out-dir "$ROOT/pkg-host" --out-name mcp_tasks -- --features host
  node "$ROOT/scripts/minify-package.mjs" "$ROOT/pkg-host"
  node "$ROOT/scripts/check-wasm-imports.mjs" "$ROOT/pkg-host/mcp_tasks_bg.wasm"
  # The Worker package, and its test build with the store suite: built after pkg/, whose
  # bytes they never change.
  build_worker_package >/dev/null
  build_worker_package suite >/dev/null
}

# start_server LOG PATTERN COMMAND...: starts a server in the background and sets
# SERVER_URL to the URL it announces (PATTERN's capture in its log). Not to be called in
# $(...): the PID must reach PIDS in this shell, or the server outlives the script.
start_server() {
  local log="$1" pattern="$2" i
  shift 2
  SERVER_URL=""
  : >"$log"
  "$@" >"$log" 2>&1 &
  PIDS+=($!)
  for ((i = 0; i < ${START_TRIES:-200}; i++)); do
    SERVER_URL="$(sed -n "s/$pattern/\\1/p" "$log" | head -n 1)"
    if [[ -n "$SERVER_URL" ]]; then return 0; fi
    sleep 0.1
  done
  cat "$log" >&2
  return 1
}

step_servers() {
  local port www="$TMP_DIR/www"
  cargo build "${CARGO_LOCKED[@]}" --features cli --bin mcp-tasks
  mkdir -p "$www/host"
  cp tests/js/examples/page.html "$www/index.html"
  # The host build's page (tests/js/host.test.mjs), with the build beside it.
  cp tests/js/host.html "$www/host/index.html"
  cp -r "$ROOT/pkg-host" "$www/host/pkg"
  start_server "$TMP_DIR/serve.log" '^mcp-tasks: MCP at \(http:\/\/.*\/mcp\)$' \
    "$CARGO_TARGET_DIR/debug/mcp-tasks" serve --listen 127.0.0.1:0 --www "$www" --pkg "$ROOT/pkg"
  MCP_URL="$SERVER_URL"
  PAGE_URL="${MCP_URL%/mcp}/"
  port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
  start_server "$TMP_DIR/ts-server.log" '^listening on \(http:\/\/.*\/mcp\/\{0,1\}\)$' node tests/peers/ts-server.mjs "$port"
  TS_URL="$SERVER_URL"
  port="$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')"
  # The Python SDK server can take 30 s to start on a loaded machine.
  START_TRIES=600 start_server "$TMP_DIR/py-server.log" '^listening on \(http:\/\/.*\/mcp\/\{0,1\}\)$' \
    "$PEERS_VENV/bin/python" tests/peers/py-server.py "$port"
  PY_URL="$SERVER_URL"
  HOST_PAGE_URL="${PAGE_URL}host/"
  export MCP_URL TS_URL PY_URL PAGE_URL HOST_PAGE_URL PKG_WEB="$ROOT/pkg" PKG_NODE="$ROOT/pkg-node" PKG_HOST="$ROOT/pkg-host"
  echo "mcp-tasks serve: $MCP_URL   TypeScript SDK server: $TS_URL   Python SDK server: $PY_URL"
}

step_wasm_tests() {
  # The URLs are compiled into the test binary (option_env!).
  export MCP_TASKS_TEST_URL="$MCP_URL" MCP_TASKS_TEST_TS_URL="$TS_URL"
  # The test binaries are built without DWARF: wasm-bindgen then processes each in ~4 s
  # instead of ~25 s (a 3.7 MB module, not 35 MB), and it does so for every binary in every
  # runtime. Panics still name their functions (the name section stays).
  local nodebug=(env CARGO_PROFILE_DEV_DEBUG=0)
  run_runner "wasm-pack test --node" "${nodebug[@]}" wasm-pack test --node -- --lib --test wasm_client --test wasm_arguments --test wasm_events --test wasm_scale --test wasm_driver
  # Without WASM_BINDGEN_USE_BROWSER the browser run silently skips every test.
  run_runner "wasm-pack test --headless --chrome" \
    "${nodebug[@]}" WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome -- --lib --test wasm_client --test wasm_arguments --test wasm_events --test wasm_scale --test wasm_driver
  run_runner "wasm-pack test --headless --firefox" \
    "${nodebug[@]}" WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --firefox --geckodriver "$WASM_TOOLS_BIN/geckodriver" \
    -- --lib --test wasm_client --test wasm_arguments --test wasm_events --test wasm_scale --test wasm_driver
}

step_js_tests() {
  run_runner "node --test (package, workerd, a Durable Object following a task, page)" \
    node --test --test-concurrency=1 tests/js/package.test.mjs tests/js/workerd.test.mjs \
      tests/js/worker-follow.test.mjs tests/js/page.test.mjs
}

step_host_tests() {
  run_runner "node --test (the mcp-tasks/host entry: hostTasks against the Python and TS SDK servers, Node and Chromium)" \
    node --test --test-concurrency=1 tests/js/host.test.mjs
}

step_worker_tests() {
  run_runner "node --test (McpTaskServer in workerd: clients, restart, TTL, owners, store suite)" \
    env PKG_WORKER="$ROOT/pkg-worker-suite" node --test --test-concurrency=1 tests/js/worker.test.mjs
}

# The example Worker served by scripts/worker.sh, to the SDK clients and the conformance
# suite's task scenarios.
step_worker_interop() {
  local worker_url
  start_server "$TMP_DIR/worker.log" '^\(http:\/\/127\.0\.0\.1:[0-9]*\/mcp\)$' \
    bash scripts/worker.sh --pkg "$ROOT/pkg-worker" --store "$TMP_DIR/worker-store"
  worker_url="$SERVER_URL"
  echo "scripts/worker.sh: $worker_url"
  run_runner "SDK peer clients against the Worker" bash scripts/peers.sh "$worker_url"
  run_runner "conformance tasks-* against the Worker" \
    env CONFORMANCE_SCENARIOS=tasks CONFORMANCE_OUT="$TMP_DIR/conformance-worker" \
    bash scripts/conformance.sh "$worker_url"
}

step_types() {
  tsc -p tests/js/types/tsconfig.json
  tsc -p tests/js/types/tsconfig.worker.json
  # The classes and argument types only; wasm-bindgen's raw InitOutput exports are `any`.
  local d
  for d in "$ROOT/pkg/mcp_tasks.d.ts" "$ROOT/pkg-worker/mcp_tasks.d.ts"; do
    if sed '/^export type InitInput/,$d' "$d" | grep -nw any; then
      echo "the public TypeScript surface uses any ($d)" >&2
      return 1
    fi
  done
  echo "tsc --noEmit: tests/js/types/usage.ts against pkg/, worker-usage.ts against pkg-worker/; no any"
}

main() {
  run_step "wasm-pack build (web, nodejs, bundler; host; worker)" step_build
  run_step "start mcp-tasks serve and the TypeScript SDK server" step_servers
  run_step "wasm tests in Node, headless Chromium and headless Firefox" step_wasm_tests
  run_step "the package from JS: Node, workerd, a page" step_js_tests
  run_step "the host entry: tasks the client hosts, against the SDK servers" step_host_tests
  run_step "the Worker package: McpTaskServer in workerd" step_worker_tests
  run_step "the Worker (scripts/worker.sh) against the SDK clients and conformance tasks-*" step_worker_interop
  run_step "TypeScript types" step_types
  run_step "size report and gate" run_runner "size gate" node scripts/size-report.mjs "$ROOT/pkg" --gate
  stop_servers
  print_step_times
  echo
  echo "summary: $TESTS_PASSED passed, $TESTS_FAILED failed, $TESTS_SKIPPED skipped"
  return "$FAILED"
}

main "$@"
