#!/usr/bin/env bash
# make demo: downloads Flink 1.20.3 (PyPI, cached), builds submitjob and a fixture chunjun-dist,
# starts a local cluster, submits a Chunjun-shaped sync job over REST, shows where `config` finds
# Flink, submits it again with bin/flink run (--via cli), then follows a streaming sync (status
# with Chunjun's counters, stop with a savepoint, resume, cancel), prints each result, and stops
# the cluster again (also on failure or Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."
here=$PWD
export SUBMITJOB_CACHE=${SUBMITJOB_CACHE:-$HOME/.cache/submitjob}

scripts/install-tools.sh
flink=$(scripts/flink.sh install 1.20.3)
Tests/Fixtures/build-dist.sh "$flink/lib" "$here/.build/demo" >&2
make build >&2

run_dir=$(mktemp -d "${TMPDIR:-/tmp}/submitjob-demo.XXXXXX")
trap 'scripts/flink.sh stop "$run_dir/flink" || true; rm -rf "$run_dir/flink"' EXIT
trap 'exit 130' INT TERM
read -r rest_port rpc_port < <(python3 scripts/free-ports.py 2)
url=$(scripts/flink.sh start 1.20.3 "$run_dir/flink" --rest-port "$rest_port" --rpc-port "$rpc_port")

dist="$here/.build/demo/chunjun-dist"

# wait_for JOB_ID OUT_DIR: `submitjob wait` until the job finished; then the rows it wrote.
wait_for() {
    .build/release/submitjob wait "$1" --until finished --flink "$url" --timeout 60 >/dev/null
    local rows
    rows=$(cat "$2"/part-* | wc -l)
    echo "== job $1: FINISHED, $rows rows written to $2" >&2
}

# submit LABEL OUT_DIR ARGS...: one submission, job on stdin as the platform's backend sends it.
submit() {
    local label=$1 out=$2 result status
    shift 2
    echo "== $label" >&2
    set +e
    result=$(.build/release/submitjob submit --chunjun-dist "$dist" --param "outDir=$out" "$@" < Tests/Fixtures/jobs/stream-sync.json)
    status=$?
    set -e
    echo "$result"
    echo "== exit status: $status" >&2
    [ "$status" -eq 0 ] || exit "$status"
    wait_for "$(python3 -c 'import json, sys; print(json.load(sys.stdin)["jobId"])' <<<"$result")" "$out"
}

submit "submitjob submit over REST" "$run_dir/rows-rest" --flink "$url" --name demo-stream-sync
echo "== submitjob config: where Flink is, read from the cluster's own conf/config.yaml" >&2
.build/release/submitjob config --flink-home "$run_dir/flink"
submit "submitjob submit --via cli: bin/flink run -d, plugins as -C, the endpoint from the configuration" \
    "$run_dir/rows-cli" --via cli --flink-home "$run_dir/flink" --name demo-stream-sync-cli

# A streaming sync, followed to the end. Each step prints submitjob's one JSON document.
sj() { echo "== submitjob $*" >&2; .build/release/submitjob "$@" --flink "$url"; }
field() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(d[sys.argv[1]])' "$1"; }
unbounded=Tests/Fixtures/jobs/stream-unbounded.json
first=$(sj submit --chunjun-dist "$dist" --param "outDir=$run_dir/stream-1" --idempotency-key demo-stream --wait running < "$unbounded")
echo "$first"
job=$(field jobId <<<"$first")
echo "== Chunjun's counters reach Flink with the TaskManager heartbeat (every 10 s)" >&2
sleep 13
sj status "$job"
stopped=$(sj stop "$job" --savepoint-dir "file://$run_dir/savepoints")
echo "$stopped"
savepoint=$(field savepoint <<<"$stopped")
resumed=$(sj submit --chunjun-dist "$dist" --param "outDir=$run_dir/stream-2" --idempotency-key demo-stream/resume \
    --savepoint "$savepoint" --wait running < "$unbounded")
echo "$resumed"
sleep 2
sj cancel "$(field jobId <<<"$resumed")"
echo "== rows: the first run wrote 0..$(tail -n 1 "$run_dir/stream-1/part-0" | cut -d, -f1);" \
    "the resumed run went on at $(head -n 1 "$run_dir/stream-2/part-0" | cut -d, -f1)" >&2
