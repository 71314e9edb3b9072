#!/usr/bin/env bash
# The npm package as a user installs it: packs it (scripts/pack.sh) and checks the tarball
# the way the ecosystem checks packages.
#
#   bash scripts/pack-check.sh [--from PKG_WEB_DIR] [--host PKG_HOST_DIR]
#
# --from reuses a minified release `web` build (scripts/wasm.sh leaves one in pkg/, which
# the test command passes), --host the same of the `mcp-tasks/host` entry (pkg-host/);
# without them scripts/pack.sh builds them. Then:
#   publint and attw (@arethetypeswrong/cli) on the tarball, no errors;
#   the tarball installed offline into an empty folder (tests/js/pack/tarball.test.mjs:
#   its package.json and files, and the bytes a page loads identical to PKG_WEB_DIR's);
#   from there, against `mcp-tasks serve` (serving that folder with --www): Node ESM and
#   CommonJS with no init call, both entries (node.test.mjs), pages bundled by esbuild and by Vite (and
#   under its dev server) and one without a bundler in headless Chromium (page.test.mjs), a
#   Worker in workerd, bundled as wrangler does and with its modules listed by hand
#   (workerd.test.mjs), tsc under node16 and bundler (types.test.mjs);
#   the README quotes tests/js/examples/install/ verbatim (readme.test.mjs).
# Each check prints its pass count; ends with `summary: N passed, N failed, N skipped` and
# fails on any failure.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/install.sh"
source "$ROOT/scripts/lib/serve.sh"
cd "$ROOT"

FROM=""
HOST=""
while (($#)); do
  case "$1" in
    --from) FROM="$2"; shift 2 ;;
    --host) HOST="$2"; shift 2 ;;
    *) echo "usage: bash scripts/pack-check.sh [--from PKG_WEB_DIR] [--host PKG_HOST_DIR]" >&2; exit 2 ;;
  esac
done

ensure_node
ensure_chromium
npm_ci_if_needed "$ROOT/tests/js"
export PATH="$ROOT/tests/js/node_modules/.bin:$PATH"

TMP_DIR="$(mktemp -d)"
CLEANUP_PATHS+=("$TMP_DIR")
FAILED=0
# record NAME PASSED FAILED [SKIPPED]: adds a check's counts and prints them.
record() {
  local name="$1" passed="$2" failed="$3" skipped="${4:-0}"
  TESTS_PASSED=$((TESTS_PASSED + passed))
  TESTS_FAILED=$((TESTS_FAILED + failed))
  TESTS_SKIPPED=$((TESTS_SKIPPED + skipped))
  echo "$name: $passed passed, $failed failed, $skipped skipped"
  if ((passed == 0 || failed > 0)); then
    echo "$name: FAILED" >&2
    FAILED=1
  fi
}

# check NAME COMMAND...: one check that passes when COMMAND exits 0.
check() {
  local name="$1"
  shift
  echo "---- $name"
  if "$@"; then record "$name" 1 0; else record "$name" 0 1; fi
}

# run_tests NAME FILE...: node --test on tests/js/pack/FILEs, counting its `# pass`, `# fail`, `# skipped`.
run_tests() {
  local name="$1" log passed failed
  shift
  log="$TMP_DIR/$(echo "$name" | tr -c 'a-zA-Z0-9' '_').log"
  echo "---- $name"
  set +e
  (cd "$ROOT/tests/js/pack" && node --test --test-concurrency=1 "$@") 2>&1 | tee "$log"
  set -e
  read -r passed failed skipped < <(awk '/^# pass / { p += $3 } /^# fail / { f += $3 } /^# skipped / { s += $3 }
    END { printf "%d %d %d\n", p, f, s }' "$log")
  record "$name" "$passed" "$failed" "$skipped"
}

step_pack() {
  local args=(--out "$TMP_DIR/npm")
  if [[ -n "$FROM" ]]; then args+=(--from "$FROM"); fi
  if [[ -n "$HOST" ]]; then args+=(--host "$HOST"); fi
  bash "$ROOT/scripts/pack.sh" "${args[@]}" | tee "$TMP_DIR/pack.log"
  TARBALL="$(tail -n 1 "$TMP_DIR/pack.log")"
  [[ "$TARBALL" == */mcp-tasks-*.tgz && -f "$TARBALL" ]]
  # Absolute: the checks run in tests/js/pack.
  PKG_WEB="${FROM:+$(cd "$FROM" && pwd)}"
  PKG_HOST="${HOST:+$(cd "$HOST" && pwd)}"
  tar -tzf "$TARBALL" | sort
}

step_lint() {
  check "publint (--strict)" publint run --strict "$TARBALL"
  check "attw (@arethetypeswrong/cli)" attw --no-color "$TARBALL"
}

step_install() {
  APP_DIR="$TMP_DIR/app"
  mkdir -p "$APP_DIR"
  echo '{ "name": "an-app", "private": true, "type": "module" }' >"$APP_DIR/package.json"
  check "npm install the tarball (offline, empty folder)" \
    bash -c 'cd "$1" && npm install --offline --no-audit --no-fund --no-update-notifier --loglevel=error "$2"' _ "$APP_DIR" "$TARBALL"
}

step_serve() {
  start_serve "$TMP_DIR/serve.log" --www "$APP_DIR"
  MCP_URL="$SERVE_URL"
  echo "mcp-tasks serve: $MCP_URL (--www $APP_DIR)"
}

step_checks() {
  export APP_DIR MCP_URL PKG_WEB PKG_HOST
  run_tests "the tarball's package.json and files" tarball.test.mjs
  run_tests "Node: ESM import and CommonJS require, no init call" node.test.mjs
  run_tests "pages in headless Chromium: esbuild, Vite (build and dev server), no bundler" page.test.mjs
  run_tests "workerd: a Worker bundled as wrangler does, and listed by hand" workerd.test.mjs
  run_tests "tsc --noEmit: node16 (ESM, CommonJS) and bundler" types.test.mjs
  run_tests "README quotes the install examples" readme.test.mjs
}

main() {
  run_step "pack the npm package" step_pack
  run_step "publint and attw on the tarball" step_lint
  run_step "install the tarball into an empty folder" step_install
  run_step "start mcp-tasks serve" step_serve
  run_step "use the installed package" step_checks
  stop_serve
  print_step_times
  echo
  echo "summary: $TESTS_PASSED passed, $TESTS_FAILED failed, $TESTS_SKIPPED skipped"
  return "$FAILED"
}

main "$@"
