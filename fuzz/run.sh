#!/bin/sh
# run.sh - run every built libFuzzer target over its committed seed corpus.
# Usage: fuzz/run.sh SECONDS_PER_TARGET [target...]
# New inputs go to build/fuzz/work/<target> (the committed corpus in
# fuzz/corpus/<target> is only read); a crash leaves its input in
# build/fuzz/crashes/ -- copy it into fuzz/corpus/<target>/ as a regression
# case once fixed. Prints "fuzz: N passed, N failed" last.
cd "$(dirname "$0")/.." || exit 1
SECS=${1:-60}
shift 2>/dev/null
TARGETS=${*:-$(ls build/fuzz/ 2>/dev/null | grep '^fuzz_' | grep -v '\.d$')}
# Per-target input size cap: the engine sees up to its 64 KiB text limit
# so the too-long path and huge tokens are reachable; the others stay small
# for speed (request bodies beyond max_body never reach them anyway).
maxlen() { case "$1" in fuzz_engine) echo 70000 ;; *) echo 16384 ;; esac; }
mkdir -p build/fuzz/crashes build/fuzz/logs
P=0; F=0
for t in $TARGETS; do
    bin=build/fuzz/$t
    if [ ! -x "$bin" ]; then echo "FAIL $t: not built"; F=$((F + 1)); continue; fi
    mkdir -p "build/fuzz/work/$t"
    log=build/fuzz/logs/$t.log
    # -rss_limit_mb: a leak or blow-up is a finding; timeout: a hang is one.
    ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    "$bin" -max_total_time="$SECS" -max_len="$(maxlen "$t")" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="build/fuzz/crashes/$t-" \
        "build/fuzz/work/$t" "fuzz/corpus/$t" > "$log" 2>&1
    rc=$?
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    if [ $rc -eq 0 ]; then
        echo "ok   $t (${SECS}s, ${runs:-?} runs)"; P=$((P + 1))
    else
        echo "FAIL $t (exit $rc), log $log:"
        grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -8 | sed 's/^/  /'
        F=$((F + 1))
    fi
done
echo "fuzz: $P passed, $F failed"
[ "$F" = "0" ]
