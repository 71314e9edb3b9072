#!/usr/bin/env bash
# Fuzzes the decoders and both state machines with cargo-fuzz (libFuzzer) on the nightly
# toolchain. Not part of the test command: the crashes it has found are kept as ordinary
# `cargo test` regression tests (tests/fuzz_regressions.rs).
#
#   bash scripts/fuzz.sh                 every target for 10 million executions or 1800 s
#   bash scripts/fuzz.sh 60              every target for 60 s
#   FUZZ_TARGETS="sse_decoder mcp_name" bash scripts/fuzz.sh 60     a subset
#
# Installs cargo-fuzz from crates.io when it is missing. The corpus of each target grows in
# fuzz/corpus/<target> (committed, minimised with `cargo +nightly fuzz cmin`, so that a run
# goes on from the last; seeded from fuzz/seeds/<target> when present); crashes land in
# fuzz/artifacts/<target>. Prints executions and crashes per target and exits non-zero when
# any target crashed. libFuzzer stops a target at its first crash, so a crash count above 0
# means "stopped early": minimise the input (cargo +nightly fuzz tmin), fix, rerun.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SECONDS_PER_TARGET="${1:-1800}"
# A target stops at whichever comes first: this many executions or the time above.
RUNS_PER_TARGET="${FUZZ_RUNS:-10000000}"
if ! [[ "$SECONDS_PER_TARGET" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bash scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2
  exit 2
fi

# The instrumented builds differ from every other build of the crate: keep them in their
# own directory so that neither invalidates the other.
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$ROOT/fuzz/target}"

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "== installing cargo-fuzz (crates.io)"
  cargo +nightly install cargo-fuzz --locked
fi

cd "$ROOT/fuzz"
TARGETS="${FUZZ_TARGETS:-$(cargo +nightly fuzz list)}"
echo "== building the targets"
cargo +nightly fuzz build

LOGS="$ROOT/fuzz/logs"
mkdir -p "$LOGS"
failed=0
rows=()
for target in $TARGETS; do
  corpus="corpus/$target"
  mkdir -p "$corpus" "artifacts/$target"
  seeds=()
  [[ -d "seeds/$target" ]] && seeds=("seeds/$target")
  echo "== $target: ${SECONDS_PER_TARGET}s"
  log="$LOGS/$target.log"
  marker="$LOGS/.$target.start"
  touch "$marker"
  status=0
  # -timeout: one input taking 10 s is a hang worth a report; -rss_limit_mb: the same for
  # memory. The dictionary-free run relies on the targets' own vocabularies.
  cargo +nightly fuzz run "$target" "$corpus" "${seeds[@]}" -- \
    -max_total_time="$SECONDS_PER_TARGET" -runs="$RUNS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 >"$log" 2>&1 || status=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  crashes=$(find "artifacts/$target" -type f -newer "$marker" | wc -l)
  if [[ $status -ne 0 && $crashes -eq 0 ]]; then
    # A failure that left no artefact (the build, the harness): count it, show the log.
    crashes=1
    tail -20 "$log" >&2
  fi
  if [[ $crashes -gt 0 ]]; then
    failed=1
    grep -m1 -A3 -E 'panicked at|ERROR: libFuzzer|SUMMARY:' "$log" >&2 || true
    find "artifacts/$target" -type f -newer "$marker" >&2
  fi
  corpus_files=$(find "$corpus" -type f | wc -l)
  rows+=("$(printf '%-18s %14s %8s %10s' "$target" "${execs:-?}" "$crashes" "$corpus_files")")
done

echo
echo "== fuzz summary: ${SECONDS_PER_TARGET}s per target, $(nproc) cores, $(cargo +nightly --version)"
printf '%-18s %14s %8s %10s\n' target executions crashes corpus
for row in "${rows[@]}"; do echo "$row"; done
exit "$failed"
