#!/usr/bin/env bash
# The live compatibility matrix: every Flink minor line on PyPI, one cluster at a time, each run
# through the CompatibilityTests suite (Tests/IntegrationTests/CompatibilityTests.swift), then
# COMPATIBILITY.md written from the xUnit results and the REST exchanges recorded on the way.
#
#   scripts/compat.sh [--versions "1.12.5 1.20.5 ..."] [--output FILE] [--skip-build]
#
#   --versions   the releases to run (default: the newest patch of every line, 1.12 to 2.3, below)
#   --output     where the report goes (default COMPATIBILITY.md at the repository root)
#   --skip-build the static binary, the fixture dists and the test build are there already
#                (scripts/test.sh runs one release this way, as make test's slice of the matrix)
#
# Each cluster is a standalone one on loopback (scripts/flink.sh), stopped whatever happens.
# Below 1.20 it has the fixture dist under lib/, as the image's standalone target (Flink cannot
# take plugin classpaths over REST there); from 1.20 on it has nothing of Chunjun.
# Exit 0 when every check of every release passed, 1 otherwise (the report is written either way).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD
export SUBMITJOB_CACHE=${SUBMITJOB_CACHE:-$HOME/.cache/submitjob}
# One Java for every release: Flink 1.12-1.17 predate Java 17 and run on it with flink.sh's
# --add-opens flags; 1.18+ support it; 2.x need 11+. One JDK for every row keeps them comparable.
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}

# The newest patch of each minor line on PyPI when this list was written (2026-11-30); the run
# warns when PyPI has a newer one, so the list is bumped deliberately, not silently.
versions="1.12.5 1.13.6 1.14.6 1.15.4 1.16.3 1.17.2 1.18.1 1.19.3 1.20.5 2.0.2 2.1.3 2.2.1 2.3.0"
output=$here/COMPATIBILITY.md
skip_build=0
while [ $# -gt 0 ]; do
    case $1 in
        --versions) versions=$2; shift ;;
        --output) output=$(realpath -m -- "$2"); shift ;;
        --skip-build) skip_build=1 ;;
        -h|--help) sed -n '2,16s/^# \{0,1\}//p' "$0"; exit 0 ;;
        *) echo "compat: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done
say() { printf 'compat: %s\n' "$*" >&2; }

started=$(date +%s)
fixture_lib=$(scripts/flink.sh install 1.12.5)/lib
fixture2_lib=$(scripts/flink.sh install 2.2.1)/lib
if [ "$skip_build" -eq 0 ]; then
    scripts/install-tools.sh
    make build
    swift build --build-tests
fi
Tests/Fixtures/build-dist.sh "$fixture_lib" "$here/.build/fixtures" >&2
Tests/Fixtures/build-dist.sh "$fixture2_lib" "$here/.build/fixtures-2" >&2

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/submitjob-compat.XXXXXX")
instance=
status=0
finish() {
    [ -z "$instance" ] || scripts/flink.sh stop "$instance" || true
    if [ "$status" -eq 0 ]; then rm -rf "$run_dir"; else say "logs and evidence kept in $run_dir"; fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Newer patches on PyPI: a warning in the report, never a failure (and nothing when offline).
newer=$(python3 -m pip index versions apache-flink --disable-pip-version-check 2>/dev/null \
    | sed -n 's/^Available versions: //p' || true)
printf '%s\n' "$newer" > "$run_dir/pypi-versions"

java_version=$("$JAVA_HOME/bin/java" -version 2>&1 | head -n 1)
for version in $versions; do
    out=$run_dir/$version
    mkdir -p "$out/work" "$out/records"
    printf '%s\n' "$java_version" > "$out/java"
    v_start=$(date +%s)
    case $version in
        2.*) dist=$here/.build/fixtures-2/chunjun-dist ;;
        *) dist=$here/.build/fixtures/chunjun-dist ;;
    esac
    # Below 1.20: the dist under lib/, as the standalone image.
    on_lib=0
    case $version in 1.1[2-9].*) on_lib=1 ;; esac
    extra=()
    [ "$on_lib" -eq 0 ] || extra=(--extra-lib "$dist")
    say "== Flink $version (dist under lib/: $on_lib)"
    if ! scripts/flink.sh install "$version" > /dev/null; then
        echo "install failed" > "$out/error"; status=1; continue
    fi
    ports=($(python3 scripts/free-ports.py 2))
    instance=$run_dir/flink-$version
    if ! url=$(scripts/flink.sh start "$version" "$instance" --rest-port "${ports[0]}" --rpc-port "${ports[1]}" "${extra[@]}"); then
        echo "the cluster did not start" > "$out/error"; status=1
        scripts/flink.sh stop "$instance" || true; instance=; continue
    fi
    SUBMITJOB_IT_BINARY=$here/.build/release/submitjob SUBMITJOB_IT_DIST=$dist SUBMITJOB_IT_WORK=$out/work \
    SUBMITJOB_CACHE_DIR=$out/submitjob-cache \
    SUBMITJOB_COMPAT_VERSION=$version SUBMITJOB_COMPAT_FLINK=$url SUBMITJOB_COMPAT_HOME=$instance \
    SUBMITJOB_COMPAT_DIST=$dist SUBMITJOB_COMPAT_DIST_ON_LIB=$on_lib SUBMITJOB_COMPAT_RECORDS=$out/records \
        swift test --skip-build --no-parallel --filter CompatibilityTests --xunit-output "$out/results.xml" \
        > "$out/swift-test.log" 2>&1 || status=1
    grep -E '^(✔|✘|◇ Test run|✘ Test run|✔ Test run)' "$out/swift-test.log" | grep -v ' started' >&2 || true
    scripts/flink.sh stop "$instance" || true
    instance=
    echo $(( $(date +%s) - v_start )) > "$out/seconds"
done

python3 scripts/compat-report.py "$run_dir" "$output" --seconds $(( $(date +%s) - started )) $versions || status=1
say "report: $output ($(( $(date +%s) - started )) s)"
exit "$status"
