#!/bin/sh
# run_all.sh - every test: unit binaries, analysis cases (and the cases the
# runner must reject), integration suites, a short fuzz pass.
# Each part prints "<suite>: N passed, N failed"; the last line here is the
# total "N passed, N failed".
cd "$(dirname "$0")/.."
LOG=build/test-logs
mkdir -p "$LOG"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
P=0; F=0
tally() { # $1 = output file, $2 = exit code, $3 = suite name
    line=$(grep -E '^[a-z_-]+: [0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
    if [ -z "$line" ]; then
        echo "$3: did not report (exit $2) -- counted as 1 failure"; F=$((F + 1)); return
    fi
    p=$(echo "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
    f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
    if [ "$2" != "0" ] && [ "$f" = "0" ]; then f=1; echo "$3: exit $2 with no failure reported (sanitizer?)"; fi
    P=$((P + p)); F=$((F + f))
}
for t in build/san/tests/test_*; do
    [ -x "$t" ] || continue
    n=$(basename "$t")
    "$t" > "$LOG/$n.out" 2>&1; rc=$?
    grep -E '^(FAIL|  )' "$LOG/$n.out" | head -20
    grep -E 'ERROR: (Address|Leak)Sanitizer|runtime error' "$LOG/$n.out" | head -5
    tail -1 "$LOG/$n.out"
    tally "$LOG/$n.out" $rc "$n"
done
if [ -x build/san/case_runner ]; then
    build/san/case_runner tests/cases > "$LOG/cases.out" 2>&1; rc=$?
    grep -E '^FAIL' "$LOG/cases.out" | head -30
    tail -1 "$LOG/cases.out"
    tally "$LOG/cases.out" $rc cases
    # the runner's own checks: each of these cases must fail, and say why
    build/san/case_runner tests/fixtures/rejected_cases --reject \
        --fixtures tests/fixtures > "$LOG/rejects.out" 2>&1; rc=$?
    grep -E '^FAIL' "$LOG/rejects.out" | head -30
    tail -1 "$LOG/rejects.out"
    tally "$LOG/rejects.out" $rc rejects
fi
# The layering rules of service/ (downward includes, one library per layer).
python3 tools/check_layers.py . > "$LOG/layers.out" 2>&1; rc=$?
grep -E '^FAIL' "$LOG/layers.out" | head -20
tail -1 "$LOG/layers.out"
tally "$LOG/layers.out" $rc layers
python3 tests/integration/run.py --modq build/san/modq > "$LOG/integration.out" 2>&1; rc=$?
grep -E '^(FAIL|ok|  )' "$LOG/integration.out" | grep -v '^ok' | head -60
tail -1 "$LOG/integration.out"
tally "$LOG/integration.out" $rc integration
# libFuzzer: a short pass of every fuzz/fuzz_*.c target over its committed
# corpus (FUZZ_TEST_SECONDS each; `make fuzz` runs the long one).
if make --no-print-directory fuzz-build > "$LOG/fuzz-build.out" 2>&1; then
    sh fuzz/run.sh "${FUZZ_TEST_SECONDS:-10}" > "$LOG/fuzz.out" 2>&1; rc=$?
    grep -E '^(FAIL|  )' "$LOG/fuzz.out" | head -20
    tail -1 "$LOG/fuzz.out"
    tally "$LOG/fuzz.out" $rc fuzz
else
    tail -5 "$LOG/fuzz-build.out"
    echo "fuzz: 0 passed, 1 failed (fuzzers do not build, see $LOG/fuzz-build.out)"
    F=$((F + 1))
fi
echo "$P passed, $F failed"
[ "$F" = "0" ]
