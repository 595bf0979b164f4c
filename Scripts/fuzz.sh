#!/usr/bin/env bash
# Coverage-guided fuzzing of Rounds with libFuzzer (issue 7; see Docs/reliability.md).
#
#   Scripts/fuzz.sh [--time SECONDS] [--jobs N] [TARGET...]    fuzz each target (default: all, 60 s each)
#   Scripts/fuzz.sh --ci                                        CI: 40 s per target, fails on any crash
#   Scripts/fuzz.sh --build                                     only build
#   Scripts/fuzz.sh --merge TARGET                              fold new coverage from the work corpus into Fuzz/corpus
#                                                               (inputs under 3 KB, set-cover merge: a few dozen files)
#
# Targets: jsonl (JSON parser + item decoder), csv (CSV reader + CSV item reader), triage
# (Triage.classify), text (TextSafety, Buffer.put, DisplayWidth).
#
# Build: `swift build -c release --product rounds-fuzz -Xswiftc -sanitize=fuzzer` into .build-fuzz.
# rounds-fuzz calls LLVMFuzzerRunDriver itself (a weak symbol, see Fuzz/CFuzzDriver), so SwiftPM's
# resource bundles (RoundsCore's lexicon) work exactly as in the real binary. lld is used: gold
# fails on the sanitizer runtime's debug info.
#
# The committed seeds are in Fuzz/corpus/TARGET (read-only here); what libFuzzer finds goes into
# .build-fuzz/corpus/TARGET; crashes into .build-fuzz/crashes/TARGET/crash-* (the script exits 1).
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(jsonl csv triage text)
seconds=60
jobs=1
ci=false
build_only=false
merge=""
targets=()
while (($#)); do
    case "$1" in
        --time) seconds="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        --ci) ci=true; seconds="${FUZZ_CI_SECONDS:-40}"; shift ;;
        --build) build_only=true; shift ;;
        --merge) merge="$2"; shift 2 ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")

scratch=.build-fuzz
echo "fuzz: building rounds-fuzz with -sanitize=fuzzer (release) in $scratch"
swift build -c release --scratch-path "$scratch" --product rounds-fuzz \
    -Xswiftc -sanitize=fuzzer -Xcc -fsanitize=fuzzer-no-link -Xswiftc -use-ld=lld </dev/null
bin="$scratch/release/rounds-fuzz"
$build_only && exit 0

# The Swift runtime's backtracer would intercept the crash signals libFuzzer reports.
export SWIFT_BACKTRACE=enable=no

if [[ -n "$merge" ]]; then
    # Keep the committed corpus small: only work-corpus inputs under 3 KB are candidates, and a
    # set-cover merge on edges (not hit counts) keeps the fewest that add coverage to Fuzz/corpus.
    # New files are committed as found-<hash>.
    small="$scratch/merge-small/$merge"; merged="$scratch/merge-out/$merge"
    rm -rf "$small" "$merged"; mkdir -p "$small" "$(dirname "$merged")"
    find "$scratch/corpus/$merge" -type f -size -3k -exec cp {} "$small/" \;
    cp -r "Fuzz/corpus/$merge" "$merged"
    "$bin" "$merge" -set_cover_merge=1 -use_counters=0 -max_len=65536 "$merged" "$small" 2>&1 | grep -E "MERGE-OUTER: [0-9]+ new" || true
    added=0
    for f in "$merged"/*; do
        name=$(basename "$f")
        [[ -e "Fuzz/corpus/$merge/$name" ]] && continue
        cp "$f" "Fuzz/corpus/$merge/found-${name:0:16}"; added=$((added + 1))
    done
    echo "fuzz: $added input(s) added to Fuzz/corpus/$merge"
    exit 0
fi

status=0
for t in "${targets[@]}"; do
    work="$scratch/corpus/$t"
    crashes="$scratch/crashes/$t"
    mkdir -p "$work" "$crashes"
    log="$scratch/fuzz-$t.log"
    echo "fuzz: $t for ${seconds}s (log: $log)"
    set +e
    # -jobs=1 would still fork a job process (whose log is fuzz-0.log, not $log): only ask for
    # jobs when there is more than one.
    parallel=()
    ((jobs > 1)) && parallel=(-jobs="$jobs" -workers="$jobs")
    "$bin" "$t" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 -artifact_prefix="$crashes/" "${parallel[@]}" \
        "$work" "Fuzz/corpus/$t" >"$log" 2>&1 </dev/null
    rc=$?
    set -e
    # One summary line: executions, speed, coverage, corpus.
    grep -E "^#[0-9]+.*(DONE|pulse|NEW|REDUCE)" "$log" | tail -1 || true
    grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" "$log" || true
    if ((rc != 0)) || ls "$crashes"/crash-* "$crashes"/timeout-* "$crashes"/oom-* >/dev/null 2>&1; then
        echo "fuzz: $t FAILED (exit $rc); inputs in $crashes:"
        ls -la "$crashes" || true
        grep -m1 -E "Fatal error|ERROR: libFuzzer" "$log" || true
        status=1
    fi
done
exit $status
