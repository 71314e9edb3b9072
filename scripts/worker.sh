#!/usr/bin/env bash
# Serves the example Worker (examples/worker/worker.js: McpTaskServer in a Durable Object per
# owner) in workerd on loopback, with its Durable Object SQLite storage on local disk, and
# prints its MCP URL on a line of its own. Ctrl-C stops it.
#
#   bash scripts/worker.sh [--port N] [--store DIR] [--pkg DIR]
#
# --port defaults to a free port; --store (default test-output/worker-store) keeps the
# tasks across runs. Builds pkg-worker/ (the npm package mcp-tasks-worker) first, unless
# --pkg names one already built.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/install.sh"
source "$ROOT/scripts/lib/worker-package.sh"

PORT=0
PKG=""
STORE="$ROOT/test-output/worker-store"
while (($#)); do
  case "$1" in
    --port) PORT="$2"; shift 2 ;;
    --store) STORE="$2"; shift 2 ;;
    --pkg) PKG="$2"; shift 2 ;;
    *) echo "usage: bash scripts/worker.sh [--port N] [--store DIR] [--pkg DIR]" >&2; exit 2 ;;
  esac
done

ensure_wasm_tools
ensure_wasm_js_deps
export PATH="$WASM_TOOLS_BIN:$ROOT/tests/js/node_modules/.bin:$PATH"
if [[ -z "$PKG" ]]; then PKG="$(build_worker_package)"; fi
# exec: Ctrl-C reaches node, which stops workerd and removes its stage.
exec node "$ROOT/scripts/worker.mjs" "$PKG" "$PORT" "$STORE"
