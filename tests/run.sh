#!/usr/bin/env bash
# Every test of r5: install what is missing, build with warnings as errors and
# ASan + UBSan, run the unit, integration and conformance tests (CTest), then
# run each libFuzzer harness for a bounded time.
#   tests/run.sh                    R5_FUZZ_SECONDS (default 30) per harness
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

deploy/install-deps.sh --test
for dir in tests/graphql/conformance tests/graphql/introspection tests/browser; do
  [ -f "$dir/package-lock.json" ] && npm ci --silent --no-audit --no-fund --prefix "$dir"
done

cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DR5_WERROR=ON -DR5_SANITIZE=ON > build-test.log 2>&1 \
  || { cat build-test.log; exit 1; }
cmake --build build-test -j"$jobs" >> build-test.log 2>&1 || { grep -E "error|Error" build-test.log | head -50; exit 1; }
# Leaks are reported by ASan at exit; the dev server is Python and not instrumented.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir build-test --output-on-failure -j"$jobs"

# Fuzzing needs clang's libFuzzer: a separate build.
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DR5_FUZZ=ON > build-fuzz.log 2>&1 \
  || { cat build-fuzz.log; exit 1; }
cmake --build build-fuzz -j"$jobs" --target fuzzers >> build-fuzz.log 2>&1 || { tail -50 build-fuzz.log; exit 1; }
for harness in build-fuzz/tests/fuzz/fuzz_*; do
  [ -x "$harness" ] || continue
  name=$(basename "$harness")
  corpus=tests/fuzz/corpus/${name#fuzz_}
  work=$(mktemp -d)
  echo "fuzzing $name for ${R5_FUZZ_SECONDS:-30} s"
  if ! "$harness" -max_total_time="${R5_FUZZ_SECONDS:-30}" -print_final_stats=1 "$work" "$corpus" > "$work.log" 2>&1; then
    tail -40 "$work.log"; echo "$name found a crash"; exit 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$work.log" || true
  rm -rf "$work" "$work.log"
done
echo "all tests passed"
