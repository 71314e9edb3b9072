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

# Everything scripts/test.sh needs.
ensure_test_tools() {
  ensure_rust_components
  ensure_wasm_target
  ensure_node
}
