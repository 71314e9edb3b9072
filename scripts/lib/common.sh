# Shared helpers for the project's scripts: step banners with timings, the build cache
# location and a test-count tally. Sourced, never run: `source scripts/lib/common.sh`.
#
# Expects `set -euo pipefail` in the caller.

# The repository root, whatever directory the caller was started from.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Keep build output outside the clone so that a fresh clone (CI clones anew every run)
# reuses what an earlier run compiled. An explicit CARGO_TARGET_DIR wins.
# Cargo judges this crate's freshness by file times, and the crate's artifacts are named
# the same whatever directory it sits in: checkouts that are edited side by side should
# each set their own CARGO_TARGET_DIR, or one may test the other's build.
if [[ -z "${CARGO_TARGET_DIR:-}" ]]; then
  if [[ -n "${HOME:-}" ]]; then
    CARGO_TARGET_DIR="$HOME/.cache/mcp-tasks/target"
  else
    CARGO_TARGET_DIR="$ROOT/target"
  fi
fi
# Cargo resolves a relative target dir against its working directory; later steps read
# artifacts from it directly, so make it absolute once.
case "$CARGO_TARGET_DIR" in
  /*) ;;
  *) CARGO_TARGET_DIR="$ROOT/$CARGO_TARGET_DIR" ;;
esac
export CARGO_TARGET_DIR

# On CI the lockfile is the truth: fail instead of silently re-resolving dependencies.
CARGO_LOCKED=()
if [[ -n "${CI:-}" && "${CI}" != "false" && "${CI}" != "0" ]]; then
  CARGO_LOCKED=(--locked)
fi

now_ms() { date +%s%3N; }

# Formats a millisecond count as seconds with one decimal.
fmt_secs() { printf '%d.%d' $(($1 / 1000)) $((($1 % 1000) / 100)); }

STEP_NAMES=()
STEP_TIMES=()
CURRENT_STEP=""
STEP_START=0
# Paths removed when the script ends, however it ends.
CLEANUP_PATHS=()

# A failing command ends the script through `set -e`; this says which step it was in.
on_exit() {
  local rc=$?
  if ((rc != 0)) && [[ -n "$CURRENT_STEP" ]]; then
    printf '==== FAILED: %s (exit %d, %ss) ====\n' "$CURRENT_STEP" "$rc" \
      "$(fmt_secs $(($(now_ms) - STEP_START)))" >&2
  fi
  if ((${#CLEANUP_PATHS[@]} > 0)); then rm -rf "${CLEANUP_PATHS[@]}"; fi
}
trap on_exit EXIT

# run_step TITLE FUNCTION [ARGS...]: prints a banner, runs FUNCTION and reports how long it
# took. FUNCTION runs as a plain command, never under `||` or `if`, because bash ignores
# `set -e` inside anything called from such a context and a failed command would pass.
run_step() {
  local title="$1" elapsed
  shift
  printf '\n==== %s ====\n' "$title"
  CURRENT_STEP="$title"
  STEP_START=$(now_ms)
  "$@"
  elapsed=$(($(now_ms) - STEP_START))
  CURRENT_STEP=""
  STEP_NAMES+=("$title")
  STEP_TIMES+=("$elapsed")
  printf '==== done: %s (%ss) ====\n' "$title" "$(fmt_secs "$elapsed")"
}

print_step_times() {
  local i
  printf '\nstep times:\n'
  for i in "${!STEP_NAMES[@]}"; do
    printf '  %7ss  %s\n' "$(fmt_secs "${STEP_TIMES[$i]}")" "${STEP_NAMES[$i]}"
  done
}

# Test counts from every runner, summed for one closing line.
TESTS_PASSED=0
TESTS_FAILED=0
TESTS_SKIPPED=0
LAST_PASSED=0

# tally_cargo_test LOG: adds the counts of every `test result:` line cargo printed (unit
# tests, each integration test binary, doctests) to the totals and sets LAST_PASSED to how
# many passed in this log. Call it directly, not in $(...), or the totals stay in a subshell.
tally_cargo_test() {
  local log="$1" passed failed ignored
  read -r passed failed ignored < <(
    awk '/^test result:/ {
           for (i = 1; i <= NF; i++) {
             if ($(i+1) ~ /^passed/) p += $i
             if ($(i+1) ~ /^failed/) f += $i
             if ($(i+1) ~ /^ignored/) s += $i
           }
         }
         END { printf "%d %d %d\n", p, f, s }' "$log"
  )
  TESTS_PASSED=$((TESTS_PASSED + passed))
  TESTS_FAILED=$((TESTS_FAILED + failed))
  TESTS_SKIPPED=$((TESTS_SKIPPED + ignored))
  LAST_PASSED=$passed
}
