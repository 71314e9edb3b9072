#!/usr/bin/env bash
# Builds the npm package `mcp-tasks` and packs it: the tarball a user installs.
#
#   bash scripts/pack.sh [--from PKG_WEB_DIR] [--host PKG_HOST_DIR] [--out DIR]
#
# --from reuses a release `web` build whose JS is already minified (scripts/wasm.sh leaves
# one in pkg/); without it the package is built here (wasm-pack --release --target web,
# then scripts/minify-package.mjs) in a temp folder. --host does the same for the
# `mcp-tasks/host` entry, the same build with cargo feature `host` (scripts/wasm.sh leaves
# one in pkg-host/). scripts/pack/stage.mjs stages both with an entry per runtime and the
# package.json in DIR/package/ (default DIR: pkg-npm/), then `npm pack` writes
# DIR/mcp-tasks-<version>.tgz. The last line printed is the tarball's path.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/install.sh"
cd "$ROOT"

FROM=""
HOST=""
OUT="$ROOT/pkg-npm"
while (($#)); do
  case "$1" in
    --from) FROM="$2"; shift 2 ;;
    --host) HOST="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "usage: bash scripts/pack.sh [--from PKG_WEB_DIR] [--host PKG_HOST_DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done

# build_web DIR [CARGO_ARGS...]: a minified release `web` build in DIR.
build_web() {
  local dir="$1"
  shift
  wasm-pack --quiet build --release --target web --out-dir "$dir" --out-name mcp_tasks "$@" >&2
  node scripts/minify-package.mjs "$dir" >&2
}

# Install messages go to stderr: the last line on stdout is the tarball's path.
ensure_wasm_js_deps >&2
if [[ -z "$FROM" || -z "$HOST" ]]; then
  ensure_wasm_tools >&2
  export PATH="$WASM_TOOLS_BIN:$ROOT/tests/js/node_modules/.bin:$PATH"
  BUILD_DIR="$(mktemp -d)"
  CLEANUP_PATHS+=("$BUILD_DIR")
fi
if [[ -z "$FROM" ]]; then
  FROM="$BUILD_DIR/pkg"
  build_web "$FROM"
fi
if [[ -z "$HOST" ]]; then
  HOST="$BUILD_DIR/pkg-host"
  build_web "$HOST" -- --features host
fi
FROM="$(cd "$FROM" && pwd)"
HOST="$(cd "$HOST" && pwd)"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

node scripts/pack/stage.mjs "$FROM" "$OUT/package" "$HOST" >&2
rm -f "$OUT"/mcp-tasks-*.tgz
tarball="$(cd "$OUT/package" && npm pack --silent --pack-destination "$OUT" | tail -n 1)"
echo "$OUT/$tarball"
