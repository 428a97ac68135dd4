#!/usr/bin/env bash
# The whole test suite: builds the static binary and the fixture chunjun-dist (for 1.x and for
# 2.x), runs the fuzz targets briefly (scripts/fuzz.sh smoke), starts real Flink 1.20.3, 1.12.5 and 2.2.1 clusters on loopback (two of 1.12.5: one with
# the dist under lib/ for REST, one without for bin/flink run -C), runs every Swift test against
# them, and stops the clusters whatever happens (also the private ones tests start themselves);
# then make compat's matrix on one release (scripts/compat.sh --versions 1.12.5) and make bench's slice.
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD
export SUBMITJOB_CACHE=${SUBMITJOB_CACHE:-$HOME/.cache/submitjob}

scripts/install-tools.sh
# nginx for the gateway tests, openssl and keytool for their certificates (tls-material.sh).
scripts/gateway.sh install

flink120=$(scripts/flink.sh install 1.20.3)
flink112=$(scripts/flink.sh install 1.12.5)
flink22=$(scripts/flink.sh install 2.2.1)
Tests/Fixtures/build-dist.sh "$flink112/lib" "$here/.build/fixtures"
Tests/Fixtures/build-dist.sh "$flink22/lib" "$here/.build/fixtures-2"
make build
# Compile the tests before any cluster starts, so the clusters are not left idling through it.
swift build --build-tests
# libFuzzer: a short deterministic run of every fuzz target (`make fuzz` runs the long ones). It
# needs no cluster, so it runs before they start; its failure fails the run at the end.
fuzz_status=0
scripts/fuzz.sh smoke || fuzz_status=$?

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/submitjob-test.XXXXXX")
status=1
stop_clusters() {
    scripts/flink.sh stop "$run_dir/flink-1.20" || true
    scripts/flink.sh stop "$run_dir/flink-1.12" || true
    scripts/flink.sh stop "$run_dir/flink-1.12-cli" || true
    scripts/flink.sh stop "$run_dir/flink-2.2" || true
    # Clusters a test started for itself (to kill their JobManager), should it have died first.
    for private in "$run_dir"/private/flink-*/; do
        [ -d "$private" ] && { scripts/flink.sh stop "$private" || true; }
    done
    for gateway in "$run_dir"/private/gateways/*/; do
        [ -d "$gateway" ] && { scripts/gateway.sh stop "$gateway" || true; }
    done
    # Keep the clusters' logs and the tests' evidence only when something failed.
    if [ "$status" -eq 0 ]; then rm -rf "$run_dir"; else echo "logs and evidence kept in $run_dir" >&2; fi
}
trap stop_clusters EXIT
trap 'exit 130' INT TERM

ports=($(python3 scripts/free-ports.py 8))
# 1.20 gets the plugins through pipeline.classpaths only; 1.12 needs chunjun-dist under lib/, as in our image.
url120=$(scripts/flink.sh start 1.20.3 "$run_dir/flink-1.20" --rest-port "${ports[0]}" --rpc-port "${ports[1]}")
url112=$(scripts/flink.sh start 1.12.5 "$run_dir/flink-1.12" --rest-port "${ports[2]}" --rpc-port "${ports[3]}" \
    --extra-lib "$here/.build/fixtures/chunjun-dist")
# For bin/flink run: no dist under lib/, so only -C can bring the plugins.
url112cli=$(scripts/flink.sh start 1.12.5 "$run_dir/flink-1.12-cli" --rest-port "${ports[4]}" --rpc-port "${ports[5]}")
# 2.x, like 1.20, takes the plugins through pipeline.classpaths.
url22=$(scripts/flink.sh start 2.2.1 "$run_dir/flink-2.2" --rest-port "${ports[6]}" --rpc-port "${ports[7]}")

export SUBMITJOB_IT_BINARY="$here/.build/release/submitjob"
export SUBMITJOB_IT_DIST="$here/.build/fixtures/chunjun-dist"
export SUBMITJOB_IT_FLINK_1_20="$url120"
export SUBMITJOB_IT_FLINK_1_12="$url112"
export SUBMITJOB_IT_FLINK_2_2="$url22"
export SUBMITJOB_IT_DIST_2="$here/.build/fixtures-2/chunjun-dist"
# Where a test may lay out a cluster of its own (scripts/flink.sh), stopped above if it fails.
export SUBMITJOB_IT_PRIVATE_CLUSTERS="$run_dir/private"
export SUBMITJOB_IT_FLINK_SH="$here/scripts/flink.sh"
# bin/flink of each instance, whose conf/ (config.yaml on 1.20, flink-conf.yaml on 1.12) is the
# only place that names its random REST port.
export SUBMITJOB_IT_FLINK_HOME_1_20="$run_dir/flink-1.20"
export SUBMITJOB_IT_FLINK_HOME_1_12="$run_dir/flink-1.12-cli"
export SUBMITJOB_IT_FLINK_1_12_CLI="$url112cli"
export SUBMITJOB_IT_WORK="$run_dir/work"
# The binary's own cache (digests, truststores, plugin bundles): this run's, not the user's.
export SUBMITJOB_CACHE_DIR="$run_dir/submitjob-cache"
mkdir -p "$SUBMITJOB_IT_WORK"
status=0
swift test --no-parallel --skip CompatibilityTests 2>&1 | tee "$run_dir/swift-test.log" || status=$?
# make compat's slice: the matrix script end to end (its own cluster, the CompatibilityTests suite,
# the report) on 1.12.5, the image's Flink line; `make compat` runs every line.
scripts/compat.sh --skip-build --versions 1.12.5 --output "$run_dir/COMPATIBILITY-1.12.5.md" || status=$?
# The backend's side: the copyable Java class, compiled with javac and run against the 1.20 cluster.
scripts/test-java-example.sh || status=$?
# The static binary on the Flink 1.12.7 image's userland: a Debian 11 root (glibc 2.31), via chroot.
scripts/test-bullseye.sh || status=$?
# The image's files: Dockerfile lint and structure, fetch-deps.sh on loopback, Kubernetes manifests.
image/test/run.sh || status=$?
# make bench's slice: the harness against programs of known CPU and memory (and hyperfine), then
# the bench script end to end on a short run (its own cluster; BENCHMARKS.md is left alone).
scripts/bench.sh --self-check || status=$?
scripts/bench.sh --quick --skip-build || status=$?
[ "$fuzz_status" -eq 0 ] || status=$fuzz_status
if [ "$status" -ne 0 ]; then
    echo "tests failed; Flink logs of this run:" >&2
    scripts/flink.sh logs "$run_dir/flink-1.20" 2>/dev/null | tail -n 60 >&2 || true
    scripts/flink.sh logs "$run_dir/flink-1.12" 2>/dev/null | tail -n 60 >&2 || true
    scripts/flink.sh logs "$run_dir/flink-1.12-cli" 2>/dev/null | tail -n 60 >&2 || true
    scripts/flink.sh logs "$run_dir/flink-2.2" 2>/dev/null | tail -n 60 >&2 || true
fi
exit "$status"
