#!/usr/bin/env bash
# The project's whole test command: what a developer runs before committing and what CI
# runs (.ci/run execs it).
#
#   bash scripts/test.sh
#
# It installs what is missing (see scripts/lib/install.sh), then checks, in order from
# cheapest to dearest: core modules stay platform-free, the default dependency tree has no
# server stack, formatting, clippy (all features), that the fuzz targets compile, every Rust
# test and doctest (all features, so the reference server's HTTP tests too), the wasm
# release build, and that the .wasm imports nothing from "env".
# Each step prints a banner and its time; the last line sums the test counts.
#
# Build output goes to $CARGO_TARGET_DIR, by default ~/.cache/mcp-tasks/target, so a fresh
# clone reuses earlier builds.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/install.sh"
source "$ROOT/scripts/lib/serve.sh"
cd "$ROOT"

WASM_TARGET=wasm32-unknown-unknown
WASM_ARTIFACT="$CARGO_TARGET_DIR/$WASM_TARGET/release/mcp_tasks.wasm"

# Modules that must build the same for every target and never read a clock or block:
# the wasm cfg belongs in lib.rs and Cargo.toml, clocks and runtimes in the drivers.
CORE_DIRS=(src/protocol src/task src/store src/receiver src/client)
FORBIDDEN=('cfg(target' 'target_arch' 'target_family' 'Instant::now' 'SystemTime::now' 'tokio' 'std::thread::sleep')

TMP_DIR="$(mktemp -d)"
CLEANUP_PATHS+=("$TMP_DIR")

step_install() {
  ensure_test_tools
}

step_core_purity() {
  local dirs=() d patterns=() p hits
  for d in "${CORE_DIRS[@]}"; do
    if [[ -d "$d" ]]; then dirs+=("$d"); fi
  done
  if ((${#dirs[@]} == 0)); then
    echo "no core module directories found" >&2
    return 1
  fi
  for p in "${FORBIDDEN[@]}"; do patterns+=(-e "$p"); done
  # Comments may name what is forbidden (to say why); code may not.
  hits="$(grep -rnF "${patterns[@]}" -- "${dirs[@]}" | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' || true)"
  if [[ -n "$hits" ]]; then
    echo "core modules must not mention target cfgs, clock reads, tokio or blocking sleeps:" >&2
    echo "$hits" >&2
    return 1
  fi
  echo "checked ${dirs[*]}: clean"
}

# The async runtime and HTTP stack belong to the `server` feature only, the Redis client to
# the `redis` feature.
step_default_deps() {
  local hits
  hits="$(cargo tree "${CARGO_LOCKED[@]}" -e normal --prefix none | grep -E '^(tokio|hyper|hyper-util|http-body-util|redis) ' || true)"
  if [[ -n "$hits" ]]; then
    echo "the library's default dependency tree must not include the server stack:" >&2
    echo "$hits" >&2
    return 1
  fi
  echo "default dependency tree: no tokio/hyper/redis"
}

step_fmt() {
  cargo fmt --check
}

step_clippy() {
  # --all-features takes in the reference server (feature `server`) and its tests.
  cargo clippy "${CARGO_LOCKED[@]}" --all-targets --all-features -- -D warnings
  # The bindings compile only for wasm, so the host run above never sees them.
  cargo clippy "${CARGO_LOCKED[@]}" --target "$WASM_TARGET" --lib -- -D warnings
  # The Worker receiver (feature `worker`, wasm only) and its test exports.
  cargo clippy "${CARGO_LOCKED[@]}" --target "$WASM_TARGET" --lib --features worker-suite -- -D warnings
  # The npm package's `mcp-tasks/host` entry (feature `host`).
  cargo clippy "${CARGO_LOCKED[@]}" --target "$WASM_TARGET" --lib --features host -- -D warnings
}

step_fuzz_check() {
  # The fuzz targets (fuzz/, their own workspace) are built only by scripts/fuzz.sh, on the
  # nightly toolchain: checking them here keeps an API change from breaking them unseen.
  cargo check "${CARGO_LOCKED[@]}" --manifest-path fuzz/Cargo.toml --bins
}

step_cargo_test() {
  local log="$TMP_DIR/cargo-test.log" passed
  cargo test "${CARGO_LOCKED[@]}" --all-features 2>&1 | tee "$log"
  tally_cargo_test "$log"
  passed=$LAST_PASSED
  # A broken harness or a filtered-out suite exits 0 with nothing run; that is a failure.
  if ((passed == 0)); then
    echo "cargo test ran 0 tests" >&2
    return 1
  fi
  echo "cargo test: $passed passed"
}

step_wasm_build() {
  cargo build "${CARGO_LOCKED[@]}" --release --target "$WASM_TARGET" --lib
  ls -l "$WASM_ARTIFACT"
}

step_wasm_imports() {
  node "$ROOT/scripts/check-wasm-imports.mjs" "$WASM_ARTIFACT"
}

# tally_summary LOG: adds a sub-script's closing `summary: N passed, N failed, N skipped`.
tally_summary() {
  local passed failed skipped
  read -r passed failed skipped < <(
    sed -n 's/^summary: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' "$1" |
      tail -n 1
  )
  TESTS_PASSED=$((TESTS_PASSED + ${passed:-0}))
  TESTS_FAILED=$((TESTS_FAILED + ${failed:-0}))
  TESTS_SKIPPED=$((TESTS_SKIPPED + ${skipped:-0}))
  if ((${passed:-0} == 0)); then
    echo "$1: no checks passed" >&2
    return 1
  fi
}

# Our reference server, proven against real peers: the official TypeScript and Python SDK
# clients, and the MCP conformance suite (task and transport scenarios, with a baseline).
step_interop() {
  start_serve "$TMP_DIR/serve.log"
  bash "$ROOT/scripts/peers.sh" "$SERVE_URL" | tee "$TMP_DIR/peers.log"
  tally_summary "$TMP_DIR/peers.log"
  bash "$ROOT/scripts/conformance.sh" "$SERVE_URL" | tee "$TMP_DIR/conformance.log"
  tally_summary "$TMP_DIR/conformance.log"
  # The TS SDK client with a task store hosts the server's questions as tasks.
  bash "$ROOT/scripts/peers.sh" --hosting "$SERVE_URL" | tee "$TMP_DIR/peers-hosting.log"
  tally_summary "$TMP_DIR/peers-hosting.log"
  stop_serve
}

# A second server, in task-tools mode, driven by the TS SDK client as a host that knows
# nothing of tasks (scripts/peers.sh --plain).
step_interop_plain() {
  start_serve "$TMP_DIR/serve-plain.log" --task-tools
  bash "$ROOT/scripts/peers.sh" --plain "$SERVE_URL" | tee "$TMP_DIR/peers-plain.log"
  tally_summary "$TMP_DIR/peers-plain.log"
  stop_serve
}

# A server with a tool of its own (examples/custom_tool.rs), called from the TS SDK client
# and from `mcp-tasks call` in both generations (scripts/peers.sh --example).
step_interop_example() {
  bash "$ROOT/scripts/peers.sh" --example | tee "$TMP_DIR/peers-example.log"
  tally_summary "$TMP_DIR/peers-example.log"
}

# The requestor engine on the native driver, and `mcp-tasks call`, against every server
# we interoperate with: the TS and Python SDK servers, the rmcp server and our own, each
# started by peers.sh (which also prints the poll-schedule figures).
step_interop_native() {
  bash "$ROOT/scripts/peers.sh" --native | tee "$TMP_DIR/peers-native.log"
  tally_summary "$TMP_DIR/peers-native.log"
}

# The npm package, built and run in Node, headless Chromium and workerd, with its types
# and size report (scripts/wasm.sh).
step_wasm_package() {
  bash "$ROOT/scripts/wasm.sh" | tee "$TMP_DIR/wasm.log"
  tally_summary "$TMP_DIR/wasm.log"
}

# The npm package as a user installs it: the tarball packed from the pkg/ and pkg-host/ that
# scripts/wasm.sh built, checked by publint and attw, installed into an empty folder and used
# from Node (ESM, CommonJS), pages bundled by esbuild and Vite, workerd and tsc
# (scripts/pack-check.sh).
step_pack() {
  bash "$ROOT/scripts/pack-check.sh" --from "$ROOT/pkg" --host "$ROOT/pkg-host" | tee "$TMP_DIR/pack.log"
  tally_summary "$TMP_DIR/pack.log"
}

# The demo page in headless Chromium against mcp-tasks serve (scripts/demo.sh --check).
step_demo() {
  bash "$ROOT/scripts/demo.sh" --check | tee "$TMP_DIR/demo.log"
  tally_summary "$TMP_DIR/demo.log"
}

main() {
  local start
  start=$(now_ms)
  echo "mcp-tasks tests; CARGO_TARGET_DIR=$CARGO_TARGET_DIR${CARGO_LOCKED:+ (--locked)}"
  run_step "install missing tools" step_install
  run_step "core modules are platform-free" step_core_purity
  run_step "default dependency tree has no server stack" step_default_deps
  run_step "cargo fmt --check" step_fmt
  run_step "cargo clippy -D warnings (host and wasm)" step_clippy
  run_step "the fuzz targets compile" step_fuzz_check
  run_step "cargo test --all-features" step_cargo_test
  run_step "wasm release build ($WASM_TARGET)" step_wasm_build
  run_step "wasm imports nothing from env" step_wasm_imports
  run_step "interop: SDK clients and conformance suite against mcp-tasks serve" step_interop
  run_step "interop: a host without tasks against mcp-tasks serve --task-tools" step_interop_plain
  run_step "interop: the TS SDK client and mcp-tasks call against a tool of one's own" step_interop_example
  run_step "interop: the engine and mcp-tasks call against the SDK, rmcp and our servers" step_interop_native
  run_step "npm package: wasm tests, Node, Chromium, workerd, types, size" step_wasm_package
  run_step "npm package as installed: publint, attw, Node, esbuild, Vite, workerd, tsc" step_pack
  run_step "demo page: Playwright in headless Chromium" step_demo
  print_step_times
  printf '  %7ss  total\n' "$(fmt_secs $(($(now_ms) - start)))"
  echo
  echo "summary: $TESTS_PASSED passed, $TESTS_FAILED failed, $TESTS_SKIPPED skipped"
}

main "$@"
