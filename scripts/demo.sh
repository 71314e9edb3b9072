#!/usr/bin/env bash
# The demo: the page in www/ on the reference server, running on the npm package built
# from this tree: its `mcp-tasks/host` entry (cargo feature `host`), so that a 2025-11-25
# connection hosts the server's questions as tasks of the page's own.
#
#   bash scripts/demo.sh [--port N]   builds, serves http://127.0.0.1:N/ (default 8787, or
#                                     $DEMO_PORT) and prints the page's URL; Ctrl-C stops it
#   bash scripts/demo.sh --check      builds the same way (the package into a fresh
#                                     directory), then proves the page in headless Chromium
#                                     (tests/demo/demo.test.mjs); ends with
#                                     `summary: N passed, N failed, N skipped`
#
# It installs what it lacks first, once (scripts/lib/install.sh): the wasm32 target, the
# pinned wasm-pack and wasm-bindgen CLIs, and tests/demo's npm lockfile: binaryen, whose
# wasm-opt the release build runs, and playwright-core. --check also needs Debian's
# chromium. The server is the debug build scripts/test.sh makes too, and pkg-host/ (served
# at /pkg/) is rebuilt only when the crate's wasm changed, so on a warm machine the page is
# up in seconds.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/install.sh"
cd "$ROOT"

usage() { sed -n '2,10s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; }

PORT="${DEMO_PORT:-8787}"
CHECK=0
while (($# > 0)); do
  case "$1" in
    --port) PORT="${2:?--port needs a number}"; shift ;;
    --port=*) PORT="${1#--port=}" ;;
    --check) CHECK=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "demo.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
if ! [[ "$PORT" =~ ^[0-9]+$ ]]; then
  echo "demo.sh: the port must be a number, not $PORT" >&2
  exit 2
fi

DEMO_NODE="$ROOT/tests/demo"
# The page's package, served at /pkg/: the host entry, in the directory scripts/wasm.sh
# builds it in (pkg/ holds the default entry, which the size gate measures).
PKG_DIR="$ROOT/pkg-host"
SERVER_BIN="$CARGO_TARGET_DIR/debug/mcp-tasks"

install_tools() {
  ensure_wasm_tools
  ensure_node
  npm_ci_if_needed "$DEMO_NODE"
  if ((CHECK)); then ensure_chromium; fi
}

# build_package OUT: the `mcp-tasks/host` entry of the npm package (the `web` build with
# feature `host`), as scripts/wasm.sh builds pkg-host/ (less its minified JS).
build_package() {
  PATH="$WASM_TOOLS_BIN:$DEMO_NODE/node_modules/.bin:$PATH" \
    wasm-pack --quiet build --release --target web --out-dir "$1" --out-name mcp_tasks -- --features host
  echo "package: $(du -h "$1/mcp_tasks_bg.wasm" | cut -f1) of wasm in ${1#"$ROOT"/}"
}

# pkg-host/, rebuilt only when cargo's wasm changed since the last build here: wasm-pack's
# wasm-opt -Oz (npm binaryen, itself wasm on Node) takes most of a minute, and cargo
# alone says in a moment whether anything changed. The stamp names the features too: a
# build without them leaves an artifact at the same path.
update_package() {
  local artifact="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/mcp_tasks.wasm"
  local stamp="$CARGO_TARGET_DIR/demo-pkg.stamp"
  cargo build "${CARGO_LOCKED[@]}" --quiet --release --target wasm32-unknown-unknown --lib --features host
  if [[ -f "$PKG_DIR/mcp_tasks.js" && -f "$PKG_DIR/mcp_tasks_bg.wasm" && -f "$stamp" &&
    ! "$artifact" -nt "$stamp" && "$(cat "$stamp")" == "$PKG_DIR host" ]]; then
    echo "package: ${PKG_DIR#"$ROOT"/}/ is up to date"
    return 0
  fi
  build_package "$PKG_DIR"
  echo "$PKG_DIR host" >"$stamp"
}

build_server() {
  cargo build "${CARGO_LOCKED[@]}" --quiet --features cli --bin mcp-tasks
}

SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

serve() {
  local log url="" i
  log="$(mktemp)"
  CLEANUP_PATHS+=("$log")
  # A background job of a script ignores SIGINT, so Ctrl-C reaches the script only, whose
  # trap stops the server (SIGTERM: it ends its streams and exits).
  trap 'stop_server; on_exit' EXIT
  trap 'echo; exit 130' INT TERM
  "$SERVER_BIN" serve --www "$ROOT/www" --pkg "$PKG_DIR" --listen "127.0.0.1:$PORT" 2>"$log" &
  SERVER_PID=$!
  for ((i = 0; i < 100; i++)); do
    # Only a whole line: the server may be half way through writing it.
    url="$(sed -n 's|^mcp-tasks: MCP at \(http://.*/mcp\)$|\1|p' "$log" | head -n 1)"
    if [[ -n "$url" ]] || ! kill -0 "$SERVER_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  if [[ -z "$url" ]]; then
    cat "$log" >&2
    echo "demo.sh: mcp-tasks serve did not start (is port $PORT taken? try --port)" >&2
    exit 1
  fi
  printf '\n  MCP Tasks demo: %s\n  (MCP endpoint %s; Ctrl-C stops it)\n\n' "${url%mcp}" "$url"
  wait "$SERVER_PID" || true
  SERVER_PID=""
  cat "$log" >&2
}

check() {
  local tmp log passed failed
  tmp="$(mktemp -d)"
  CLEANUP_PATHS+=("$tmp")
  log="$tmp/node-test.log"
  build_package "$tmp/pkg"
  set +e
  MCP_TASKS_BIN="$SERVER_BIN" DEMO_WWW="$ROOT/www" DEMO_PKG="$tmp/pkg" \
    DEMO_OUT="$ROOT/test-output/demo" CHROMIUM="$(command -v chromium)" \
    node --test --test-reporter=tap "$DEMO_NODE/demo.test.mjs" 2>&1 | tee "$log"
  set -e
  passed="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)"
  failed="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)"
  echo "screenshots: test-output/demo/"
  echo "summary: ${passed:-0} passed, ${failed:-0} failed, 0 skipped"
  [[ "${passed:-0}" -gt 0 && "${failed:-1}" -eq 0 ]]
}

install_tools
build_server
if ((CHECK)); then
  check
else
  update_package
  serve
fi
