# `mcp-tasks serve` for a script's checks: start_serve builds and starts it, stop_serve ends
# it. Sourced after scripts/lib/common.sh: `source scripts/lib/serve.sh`.
#
# Expects `set -euo pipefail` in the caller.

SERVE_PID=""
stop_serve() {
  if [[ -n "$SERVE_PID" ]]; then
    kill "$SERVE_PID" 2>/dev/null || true
    wait "$SERVE_PID" 2>/dev/null || true
    SERVE_PID=""
  fi
}

# start_serve LOG [FLAGS...]: builds and starts `mcp-tasks serve` on a free loopback port
# with FLAGS, and sets SERVE_URL from its "MCP at" line (waiting at most 10 s). Not called
# in $(...): the server's PID must stay in this shell so stop_serve can end it.
SERVE_URL=""
start_serve() {
  local log="$1" i
  shift
  cargo build "${CARGO_LOCKED[@]}" --features cli --bin mcp-tasks
  # The background child opens the log itself, possibly after the first read below.
  : >"$log"
  "$CARGO_TARGET_DIR/debug/mcp-tasks" serve --listen 127.0.0.1:0 "$@" >"$log" 2>&1 &
  SERVE_PID=$!
  trap 'stop_serve; on_exit' EXIT
  SERVE_URL=""
  for ((i = 0; i < 100; i++)); do
    # Only a whole line: the server may be half way through writing it.
    SERVE_URL="$(sed -n 's|^mcp-tasks: MCP at \(http://.*/mcp\)$|\1|p' "$log" | head -n 1)"
    if [[ -n "$SERVE_URL" ]]; then return 0; fi
    sleep 0.1
  done
  cat "$log" >&2
  echo "mcp-tasks serve $* did not start" >&2
  return 1
}
