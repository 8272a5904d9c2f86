#!/bin/sh
# Runs fuzz targets one after another, each in one process at the lowest priority, until
# 10 million executions or SECONDS (default 1800: 30 minutes), then prints one line of figures
# per target for README.md. Usage: fuzz/run.sh [SECONDS] [TARGET...] (default: every target).
# Logs are in fuzz/logs/; a crash ends that target's run (its input is in
# fuzz/artifacts/<target>/), the others still run, and the script then fails.
set -eu
cd "$(dirname "$0")"
seconds=${1:-1800}
[ $# -gt 0 ] && shift
targets=${*:-$(cargo +nightly fuzz list)}
[ -d corpus ] || ./seed.sh
mkdir -p logs
failed=0
for target in $targets; do
    log=logs/$target.log
    nice -n 19 cargo +nightly fuzz run "$target" -- -jobs=1 -workers=1 -runs=10000000 \
        -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1 || {
        cat fuzz-0.log >>"$log" 2>/dev/null || true
        rm -f fuzz-0.log
        echo "$target: FAILED, see $log"
        failed=1
        continue
    }
    cat fuzz-0.log >>"$log" 2>/dev/null || true
    rm -f fuzz-0.log
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    time=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
    corpus=$(ls "corpus/$target" | wc -l)
    echo "| $target | $runs | ${time}s | $rate | 0 | $corpus | $(date -u +%F) |"
done
exit $failed
