# Builds the Worker package: `McpTaskServer` (cargo feature `worker`) into pkg-worker/, the
# npm package `mcp-tasks-worker`, a sibling of the client package `mcp-tasks` (pkg/), which
# stays exactly the client: the receiver never reaches its bytes. With `suite`, the build
# also exports the store conformance suite (feature `worker-suite`) into pkg-worker-suite/,
# for the tests only. Sourced after common.sh, with the wasm tools on PATH.

# build_worker_package [suite]: builds and names the package; prints its directory.
build_worker_package() {
  local out="$ROOT/pkg-worker" features=worker
  if [[ "${1:-}" == suite ]]; then
    out="$ROOT/pkg-worker-suite"
    features=worker-suite
  fi
  (cd "$ROOT" && wasm-pack --quiet build --release --target web --out-dir "$out" --out-name mcp_tasks -- --features "$features") >&2
  node -e '
    const fs = require("fs"); const file = process.argv[1];
    const p = JSON.parse(fs.readFileSync(file, "utf8"));
    p.name = "mcp-tasks-worker";
    p.description = "MCP tasks served from a Cloudflare Worker: McpTaskServer over a Durable Object SQLite store (the sans-IO core of mcp-tasks).";
    p.files = [...new Set([...(p.files ?? []), "snippets"])];
    fs.writeFileSync(file, JSON.stringify(p, null, 2) + "\n");' "$out/package.json"
  node "$ROOT/scripts/check-wasm-imports.mjs" "$out/mcp_tasks_bg.wasm" >&2
  echo "$out"
}
