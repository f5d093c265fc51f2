#!/usr/bin/env bash
# Every test of r5: install what is missing, build with warnings as errors and
# ASan + UBSan, run the unit, integration and conformance tests (CTest), repeat
# the threaded ones under ThreadSanitizer, then run each libFuzzer harness (on
# a gateway worker's stack) for a bounded time.
#   tests/run.sh                    R5_FUZZ_SECONDS (default 20) per harness
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

deploy/install-deps.sh --test
for dir in tests/graphql/conformance tests/graphql/http-audit tests/graphql/introspection tests/graphql/schema-lint tests/browser tests/relay-client; do
  [ -f "$dir/package-lock.json" ] && npm ci --silent --no-audit --no-fund --prefix "$dir"
done

cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DR5_WERROR=ON -DR5_SANITIZE=ON > build-test.log 2>&1 \
  || { cat build-test.log; exit 1; }
cmake --build build-test -j"$jobs" >> build-test.log 2>&1 || { grep -E "error|Error" build-test.log | head -50; exit 1; }
# Leaks are reported by ASan at exit; the dev server is Python and not instrumented.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-test --output-on-failure -j"$jobs"

# Threads under ThreadSanitizer: the engine's threaded execution, the gateway's
# shared caches and throttles, and the gateway serving many clients at once
# (ctest label "threads"). Only libzmq's internals are suppressed (tests/tsan.supp).
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DR5_WERROR=ON -DR5_TSAN=ON > build-tsan.log 2>&1 \
  || { cat build-tsan.log; exit 1; }
cmake --build build-tsan -j"$jobs" >> build-tsan.log 2>&1 || { grep -E "error|Error" build-tsan.log | head -50; exit 1; }
TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" ASAN_OPTIONS= UBSAN_OPTIONS= \
  ctest --test-dir build-tsan -L threads --output-on-failure

# Fuzzing needs clang's libFuzzer: a separate build.
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DR5_FUZZ=ON > build-fuzz.log 2>&1 \
  || { cat build-fuzz.log; exit 1; }
cmake --build build-fuzz -j"$jobs" --target fuzzers >> build-fuzz.log 2>&1 || { tail -50 build-fuzz.log; exit 1; }
# Each harness prints one line: executions (libFuzzer's final stats), the edges of
# instrumented r5 code it reached (libFuzzer's last "cov:"), and the source lines of
# r5 it reached (llvm-cov over the run's profile; the harness itself not counted).
fuzz_seconds=${R5_FUZZ_SECONDS:-20}
for harness in build-fuzz/tests/fuzz/fuzz_*; do
  [ -x "$harness" ] || continue
  name=$(basename "$harness")
  corpus=tests/fuzz/corpus/${name#fuzz_}
  work=$(mktemp -d)
  if ! LLVM_PROFILE_FILE="$work/profile-%p.profraw" "$harness" -max_total_time="$fuzz_seconds" \
       -print_final_stats=1 "$work" "$corpus" > "$work.log" 2>&1; then
    tail -40 "$work.log"; echo "$name found a crash"; exit 1
  fi
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
  coverage=$(grep -o 'cov: [0-9]*' "$work.log" | tail -1 | cut -d' ' -f2)
  lines=$(llvm-profdata merge -sparse "$work"/profile-*.profraw -o "$work/merged.profdata" 2>/dev/null \
          && llvm-cov report "$harness" -instr-profile="$work/merged.profdata" -ignore-filename-regex='tests/fuzz/' \
             2>/dev/null | awk '/^TOTAL/ { printf "%d of %d", $8 - $9, $8 }')
  printf '%-24s %4s s  executions %10s  coverage %6s edges, %s lines\n' "$name" "$fuzz_seconds" \
         "${executions:-?}" "${coverage:-?}" "${lines:-?}"
  rm -rf "$work" "$work.log"
done
echo "all tests passed"
