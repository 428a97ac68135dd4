#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of what submitjob reads from untrusted text; see Fuzz/.
#   scripts/fuzz.sh smoke             build, a short deterministic run of every target, replay
#                                     Fuzz/Regressions/<target>/*; for make test
#   scripts/fuzz.sh long [EXECUTIONS [TARGET...]]
#                                     EXECUTIONS (default 1000000) per target (default: all); a
#                                     summary table on stdout and in Fuzz/.build/fuzz-summary.txt;
#                                     for make fuzz
# Fails on any crash, leak, timeout or memory limit, and when a target did not run.
set -euo pipefail

# libFuzzer and ASan report a crash with its stack; Swift's own backtracer would only add
# delay (and outlive the run holding its output open).
export SWIFT_BACKTRACE=enable=no
# Swift seeds its Hasher at random per process: dictionary order, and with it the coverage that
# steers the mutations, would differ from run to run. Fixed, the smoke run (-seed=1) repeats.
export SWIFT_DETERMINISTIC_HASHING=1

mode=${1:-smoke}
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz="$root/Fuzz"
cache=${SUBMITJOB_CACHE:-$HOME/.cache/submitjob}
targets=(FuzzJSON FuzzSQL FuzzFlinkConfig FuzzArguments)
# Per target, the smoke run's mutations: together about a minute on 2 cores after the build.
declare -A smoke_runs=([FuzzJSON]=3000 [FuzzSQL]=3000 [FuzzFlinkConfig]=3000 [FuzzArguments]=20000)

case $mode in
    smoke) ;;
    long)
        executions=${2:-1000000}
        [ $# -gt 2 ] && targets=("${@:3}") ;;
    *) echo "usage: $0 smoke | long [EXECUTIONS [TARGET...]]" >&2; exit 2 ;;
esac

# The fuzz package pins what the product pins; its build stays in Fuzz/.build.
# (Absent before the product's first build: then the fuzz package resolves on its own.)
if [ -f "$root/Package.resolved" ]; then cp "$root/Package.resolved" "$fuzz/Package.resolved"; fi
# Release for speed; address sanitizer for memory errors and leaks (libFuzzer's -detect_leaks).
build_flags=(-c release -Xswiftc -sanitize=fuzzer,address)
echo "fuzz: building (swift build ${build_flags[*]}) in Fuzz/.build" >&2
(cd "$fuzz" && swift build "${build_flags[@]}" >&2)
bin=$(cd "$fuzz" && swift build "${build_flags[@]}" --show-bin-path)

# Seeds: the real job corpus, the repository's fixture jobs, the Flink configurations of the
# distributions the tests unpacked, and the small hand-written ones in Fuzz/Seeds/<target>.
seeds() {
    local dirs=("$fuzz/Seeds/$1")
    local examples="$root/../shared/chunjun-examples"
    case $1 in
        FuzzJSON) dirs+=("$examples/json" "$root/Tests/Fixtures/jobs") ;;
        FuzzSQL) dirs+=("$examples/sql" "$examples/json" "$root/Tests/Fixtures/jobs") ;;
        FuzzFlinkConfig)
            local conf=$(mktemp -d "$log_dir/conf.XXXX")
            for f in "$cache"/flink-*/conf/flink-conf.yaml "$cache"/flink-*/conf/config.yaml; do
                [ -f "$f" ] && cp "$f" "$conf/$(basename "$(dirname "$(dirname "$f")")")-$(basename "$f")"
            done
            dirs+=("$conf") ;;
    esac
    for d in "${dirs[@]}"; do [ -d "$d" ] && echo "$d"; done
}

# -rss_limit_mb: memory growth fails the run; -timeout: a slow input counts as a hang.
# -max_len: the corpus holds jobs of 27 KB, which would make every mutation that long; the
# readers' logic is local, and 4 KB inputs run several times faster.
common=(-rss_limit_mb=2048 -timeout=10 -max_len=4096 -print_final_stats=1)
log_dir=$(mktemp -d)
trap 'rm -rf "$log_dir"' EXIT
failed=0

run() { # target, working corpus, libFuzzer flags...
    local target=$1; shift
    local corpus=$1; shift
    local log="$log_dir/$target.log"
    mapfile -t seed_dirs < <(seeds "$target")
    local start=$(date +%s%N)
    # Crash inputs land in the log directory, never in the repository.
    if ! (cd "$log_dir" && "$bin/$target" "${common[@]}" "$@" "$corpus" "${seed_dirs[@]}") >"$log" 2>&1; then
        echo "fuzz: $target FAILED; its log:" >&2
        tail -n 60 "$log" >&2
        for f in "$log_dir"/crash-* "$log_dir"/leak-* "$log_dir"/timeout-* "$log_dir"/oom-*; do
            [ -f "$f" ] || continue
            mkdir -p "$cache/fuzz/findings"
            cp "$f" "$cache/fuzz/findings/$target-$(basename "$f")"
            echo "fuzz: input kept as $cache/fuzz/findings/$target-$(basename "$f")" >&2
        done
        failed=1
        return
    fi
    if ! grep -q '^Done [0-9]* runs' "$log"; then
        echo "fuzz: $target did not run; its log:" >&2; tail -n 20 "$log" >&2; failed=1; return
    fi
    local wall_ms=$(( ($(date +%s%N) - start) / 1000000 ))
    local execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    local rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    local rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
    printf '%-16s %12s %10s %9s %12s\n' "$target" "$execs" "$rate" "$((wall_ms / 1000)).$((wall_ms % 1000 / 100))" "$rss" >>"$log_dir/summary"
}

replay() { # target: every saved regression input once
    local dir="$fuzz/Regressions/$1"
    compgen -G "$dir/*" >/dev/null || return 0
    if ! "$bin/$1" "${common[@]}" "$dir"/* >"$log_dir/$1-replay.log" 2>&1; then
        echo "fuzz: $1 fails a regression input:" >&2; tail -n 40 "$log_dir/$1-replay.log" >&2; failed=1
    fi
}

printf '%-16s %12s %10s %9s %12s\n' target executions exec/s wall_s peak_rss_mb >"$log_dir/summary"
for target in "${targets[@]}"; do
    replay "$target"
    if [ "$mode" = smoke ]; then
        # A fresh corpus each time, so the run depends only on the seeds and -seed.
        corpus=$(mktemp -d "$log_dir/corpus-$target.XXXX")
        run "$target" "$corpus" -seed=1 -runs="${smoke_runs[$target]}"
    else
        corpus="$cache/fuzz/$target"
        mkdir -p "$corpus"
        run "$target" "$corpus" -runs="$executions"
    fi
done

if [ "$mode" = long ]; then
    mkdir -p "$fuzz/.build"
    { echo "scripts/fuzz.sh long $executions, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"; cat "$log_dir/summary"; } | tee "$fuzz/.build/fuzz-summary.txt"
else
    cat "$log_dir/summary"
fi
[ "$failed" = 0 ] || { echo "fuzz: FAILED" >&2; exit 1; }
echo "fuzz: $mode run passed" >&2
