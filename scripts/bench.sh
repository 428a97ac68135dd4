#!/usr/bin/env bash
# make bench: measures submitjob against curl and against bin/flink run on one local Flink 1.20.3
# cluster (started here on loopback and always stopped), and writes BENCHMARKS.md.
#
#   scripts/bench.sh [--binary PATH | --skip-build] [--quick] [--runs N] [--out FILE]
#   scripts/bench.sh --self-check       only the harness's own check (< 20 s, no cluster)
#
#   --binary PATH   measure this binary (also $SUBMITJOB_BENCH_BINARY); nothing is built
#   --skip-build    measure .build/release/submitjob as it is (default: make build first)
#   --quick         a short slice to check the bench works: 3 runs each, no bin/flink run, a
#                   20 MiB cold jar instead of 200 MiB; writes .build/bench/BENCHMARKS-quick.md
#   --runs N        runs per variant of the fast commands (default 40; bin/flink run: 5,
#                   cold submits: 10, plan of the 10 MiB job: 5)
#   --out FILE      the report (default BENCHMARKS.md at the repository root)
#
# The raw per-run numbers go to .build/bench/<report name>.raw.json (printed at the end). Flink
# comes from PyPI, cached in $SUBMITJOB_CACHE (default ~/.cache/submitjob); the fixture
# chunjun-dist is built with javac into .build/bench. Installs (apt-get) what is missing: curl,
# hyperfine (the self-check compares with it), a C compiler (the harness's spawn helper).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD
export SUBMITJOB_CACHE=${SUBMITJOB_CACHE:-$HOME/.cache/submitjob}
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
flink_version=1.20.3

usage() {
    sed -n '2,21s/^# \{0,1\}//p' "$0" >&2
    exit 2
}

# The command that reproduces this report, as the report states it.
command="make bench"
[ $# -eq 0 ] || command="scripts/bench.sh $*"
binary=${SUBMITJOB_BENCH_BINARY:-}
skip_build=0
quick=0
self_check=0
runs=
out=
while [ $# -gt 0 ]; do
    case $1 in
        --binary) binary=${2:?--binary needs a path}; shift 2 ;;
        --skip-build) skip_build=1; shift ;;
        --quick) quick=1; shift ;;
        --runs) runs=${2:?--runs needs a number}; shift 2 ;;
        --out) out=${2:?--out needs a file}; shift 2 ;;
        --self-check) self_check=1; shift ;;
        -h|--help) usage ;;
        *) echo "bench.sh: unknown argument $1" >&2; usage ;;
    esac
done
if [ -n "$runs" ] && ! [[ $runs =~ ^[1-9][0-9]*$ ]]; then
    echo "bench.sh: --runs wants a positive number" >&2
    exit 2
fi

# What the bench needs beyond make build's tools (a fresh Debian 12 lacks some of them).
scripts/install-tools.sh
missing=()
command -v curl >/dev/null || missing+=(curl)
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v cc >/dev/null || command -v gcc >/dev/null || missing+=(gcc libc6-dev)
if [ ${#missing[@]} -gt 0 ]; then
    echo "bench.sh: installing ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi

if [ "$self_check" -eq 1 ]; then
    exec python3 scripts/bench.py self-check
fi

if [ -n "$binary" ]; then
    binary=$(realpath -e -- "$binary")
    binary_from="given with --binary, not built by this run"
elif [ "$skip_build" -eq 1 ]; then
    binary=$here/.build/release/submitjob
    [ -x "$binary" ] || { echo "bench.sh: --skip-build, but there is no $binary (run make build)" >&2; exit 1; }
    binary_from="make build before this run (--skip-build)"
else
    make build >&2
    binary=$here/.build/release/submitjob
    binary_from="built by make build in this run"
fi

if [ -z "$out" ]; then
    if [ "$quick" -eq 1 ]; then out=$here/.build/bench/BENCHMARKS-quick.md; else out=$here/BENCHMARKS.md; fi
fi
out=$(realpath -m -- "$out")
raw=$here/.build/bench/$(basename "${out%.md}").raw.json

flink=$(scripts/flink.sh install "$flink_version")
Tests/Fixtures/build-dist.sh "$flink/lib" "$here/.build/bench" >&2

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/submitjob-bench.XXXXXX")
status=1
# shellcheck disable=SC2329  # run by the EXIT trap
cleanup() {
    scripts/flink.sh stop "$run_dir/flink" || true
    if [ "$status" -eq 0 ]; then
        rm -rf -- "$run_dir"
    else
        echo "bench.sh: the run's files (outputs of the last runs, Flink's logs) are kept in $run_dir" >&2
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

read -r rest_port rpc_port < <(python3 scripts/free-ports.py 2)
# 8 slots: no run waits for a slot. 300 MiB requests: the 200 MB cold jar's upload (Flink's
# default rest.server.max-content-length is 100 MiB).
url=$(scripts/flink.sh start "$flink_version" "$run_dir/flink" --rest-port "$rest_port" --rpc-port "$rpc_port" \
    --slots 8 --conf rest.server.max-content-length=$((300 * 1024 * 1024)))

# The binary's own cache (jar digests): this run's, not the user's.
export SUBMITJOB_CACHE_DIR=$run_dir/submitjob-cache
args=(run --binary "$binary" --binary-from "$binary_from" --flink-url "$url" --flink-home "$run_dir/flink"
      --dist "$here/.build/bench/chunjun-dist" --run-dir "$run_dir" --java-home "$JAVA_HOME"
      --out "$out" --raw "$raw" --command "$command")
[ "$quick" -eq 1 ] && args+=(--quick)
[ -n "$runs" ] && args+=(--runs "$runs")
status=0
python3 scripts/bench.py "${args[@]}" || status=$?
if [ "$status" -ne 0 ]; then
    scripts/flink.sh logs "$run_dir/flink" 2>/dev/null | grep -E 'ERROR|Exception' | tail -n 20 >&2 || true
fi
exit "$status"
