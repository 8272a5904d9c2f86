#!/bin/sh
# Runs fuzz targets one after another, each in one process at the lowest priority, until
# 10 million executions or SECONDS of CPU time (default 1800: 30 minutes), then prints one line
# of figures per target for README.md. Usage: fuzz/run.sh [SECONDS] [TARGET...] (default:
# every target). CPU time rather than wall time, so a run on a shared machine (or one paused
# with SIGSTOP for a benchmark) still gets its full 30 minutes of fuzzing. Logs are in
# fuzz/logs/; a crash ends that target's run (its input is in fuzz/artifacts/<target>/), the
# others still run, and the script then fails. Two instances with different targets may run at
# once, one per core.
set -eu
cd "$(dirname "$0")"
seconds=${1:-1800}
[ $# -gt 0 ] && shift
targets=${*:-$(cargo +nightly fuzz list)}
[ -d corpus ] || ./seed.sh
mkdir -p logs
nice -n 19 cargo +nightly fuzz build >logs/build.log 2>&1 || {
    echo "build FAILED, see fuzz/logs/build.log"
    exit 1
}
ticks=$(getconf CLK_TCK)
failed=0
for target in $targets; do
    log=logs/$target.log
    mkdir -p "artifacts/$target"
    started=$(date +%s)
    nice -n 19 "target/x86_64-unknown-linux-gnu/release/$target" -runs=10000000 \
        -print_final_stats=1 -artifact_prefix="artifacts/$target/" "corpus/$target" \
        >"$log" 2>&1 &
    pid=$!
    cpu=0
    # SIGUSR1 asks libFuzzer to stop gracefully: it prints its final figures and exits 0.
    # (A finished child stays a zombie until `wait`, so its state is checked, not its pid.)
    while stat=$(cat "/proc/$pid/stat" 2>/dev/null) && [ "$(echo "$stat" | awk '{ print $3 }')" != Z ]; do
        cpu=$(echo "$stat" | awk -v t="$ticks" '{ print int(($14 + $15) / t) }')
        [ "$cpu" -ge "$seconds" ] && kill -USR1 "$pid" 2>/dev/null
        sleep 2
    done
    if ! wait "$pid"; then
        echo "$target: FAILED, see fuzz/$log"
        failed=1
        continue
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    # (libFuzzer prints no "Done … in N seconds" when stopped by SIGUSR1.)
    time=$(($(date +%s) - started))
    corpus=$(ls "corpus/$target" | wc -l)
    echo "| \`$target\` | $runs | ${time} s | ${cpu} s | $rate | 0 | $corpus | $(date -u +%F) |"
done
exit $failed
