#!/usr/bin/env bash
# The benchmarks: mcp-tasks (the npm package, the reference server's store) beside the
# official TypeScript SDK client, every measure run several times alternating the two sides.
#
#   bash scripts/bench.sh            full run (several minutes)
#   bash scripts/bench.sh --quick    fewer runs and sizes (BENCH_QUICK=1 does the same)
#   BENCH_ONLY="size decode" bash scripts/bench.sh    a subset: size startup decode roundtrip poll scale store store-do
#
# store-do: the receiver store inside workerd, the Durable Object SQLite backend beside the
# in-memory one (scripts/bench/store-do.mjs, on the `worker-suite` build in pkg-worker-suite/).
#
# Installs what it needs (scripts/lib/install.sh), builds the release artefacts (the `web`
# package with wasm-opt -Oz and its JS minified, a copy optimised the same way with names
# kept for the size breakdown, `mcp-tasks serve`, the store bench), runs scripts/bench/*.mjs and
# benches/store.rs, and prints one table: medians with min–max and ours/TS per row. The
# table goes to bench-results/<time>.{json,md} and bench-results/latest.{json,md}; the README
# quotes latest.md. Figures, never assertions: the script fails only when something cannot
# be measured at all.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/install.sh"
source "$ROOT/scripts/lib/worker-package.sh"
cd "$ROOT"

for arg in "$@"; do
  case "$arg" in
    --quick) export BENCH_QUICK=1 ;;
    *) echo "usage: bash scripts/bench.sh [--quick]" >&2; exit 2 ;;
  esac
done
MODE=full
if [[ "${BENCH_QUICK:-}" == 1 || "${BENCH_QUICK:-}" == true ]]; then MODE=quick; fi
ONLY="${BENCH_ONLY:-size startup decode roundtrip poll scale store store-do}"
wanted() { [[ " $ONLY " == *" $1 "* ]]; }

TMP_DIR="$(mktemp -d)"
CLEANUP_PATHS+=("$TMP_DIR")
PKG="$ROOT/pkg"
SERVE_BIN="$CARGO_TARGET_DIR/release/mcp-tasks"
PARTS=()
FAILED_BENCHES=()

step_install() {
  ensure_wasm_tools
  ensure_wasm_js_deps
  export PATH="$WASM_TOOLS_BIN:$ROOT/tests/js/node_modules/.bin:$PATH"
  if wanted store; then ensure_redis_server; fi
}

step_build() {
  wasm-pack --quiet build --release --target web --out-dir "$PKG" --out-name mcp_tasks
  node "$ROOT/scripts/minify-package.mjs" "$PKG"
  # The same module through wasm-bindgen and wasm-opt -Oz, with -g so the name section
  # survives: function sizes of the shipped code, under their names.
  wasm-bindgen "$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/mcp_tasks.wasm" \
    --target web --out-dir "$TMP_DIR/named" --out-name mcp_tasks
  wasm-opt -Oz -g "$TMP_DIR/named/mcp_tasks_bg.wasm" -o "$TMP_DIR/named.wasm"
  if wanted startup || wanted poll || wanted scale; then
    cargo build "${CARGO_LOCKED[@]}" --release --features cli --bin mcp-tasks
  fi
  if wanted store; then
    cargo bench "${CARGO_LOCKED[@]}" --features redis --bench store --no-run
  fi
  if wanted store-do; then
    build_worker_package suite >/dev/null
  fi
}

# bench NAME COMMAND...: runs one benchmark writing $TMP_DIR/NAME.json; a failure is
# reported and the others still run.
bench() {
  local name="$1"
  shift
  wanted "$name" || return 0
  PARTS+=("$TMP_DIR/$name.json")
  printf '\n==== bench: %s ====\n' "$name"
  local start
  start=$(now_ms)
  set +e
  "$@"
  local rc=$?
  set -e
  if ((rc != 0)); then FAILED_BENCHES+=("$name"); fi
  printf '==== %s: %ss%s ====\n' "$name" "$(fmt_secs $(($(now_ms) - start)))" "$( ((rc == 0)) || echo ", FAILED (exit $rc)")"
}

# The store rows, in memory and (the same operations) through a redis-server of the
# bench's own on a free loopback port, with no persistence: the figures are of the round
# trips and scripts, not of a disk.
store_bench() {
  local port redis_pid rc=0
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  mkdir -p "$TMP_DIR/redis"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP_DIR/redis" \
    >"$TMP_DIR/redis.log" 2>&1 &
  redis_pid=$!
  local tries=0
  until redis-cli -p "$port" ping >/dev/null 2>&1; do
    tries=$((tries + 1))
    if ((tries > 200)); then
      echo "redis-server did not answer PING on port $port" >&2
      kill "$redis_pid" 2>/dev/null || true
      return 1
    fi
    sleep 0.05
  done
  MCP_TASKS_BENCH_REDIS="redis://127.0.0.1:$port" \
    cargo bench "${CARGO_LOCKED[@]}" --features redis --bench store | tee "$TMP_DIR/store.log" || rc=$?
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  tail -n 1 "$TMP_DIR/store.log" >"$TMP_DIR/store.json"
  return "$rc"
}

main() {
  run_step "install" step_install
  run_step "release builds" step_build
  bench size node scripts/bench/size.mjs "$PKG" "$TMP_DIR/named.wasm" "$TMP_DIR/size.json"
  bench startup node scripts/bench/startup.mjs "$SERVE_BIN" "$PKG" "$TMP_DIR/startup.json"
  bench decode node scripts/bench/decode.mjs "$PKG" "$TMP_DIR/decode.json"
  bench roundtrip node scripts/bench/roundtrip.mjs "$PKG" "$TMP_DIR/roundtrip.json"
  bench poll node scripts/bench/poll.mjs "$SERVE_BIN" "$PKG" "$TMP_DIR/poll.json"
  bench scale node scripts/bench/scale.mjs "$SERVE_BIN" "$PKG" "$TMP_DIR/scale.json"
  bench store store_bench
  bench store-do node scripts/bench/store-do.mjs "$ROOT/pkg-worker-suite" "$TMP_DIR/store-do.json"
  echo
  node scripts/bench/report.mjs "$ROOT/bench-results" "$MODE" "${PARTS[@]}"
  print_step_times
  if ((${#FAILED_BENCHES[@]} > 0)); then
    echo "benchmarks that failed: ${FAILED_BENCHES[*]}" >&2
    return 1
  fi
}

main
