#!/usr/bin/env bash
# make demo: downloads Flink 1.20.3 (PyPI, cached), builds submitjob and a fixture chunjun-dist,
# starts a local cluster, submits a Chunjun-shaped sync job over REST, shows where `config` finds
# Flink, submits it again with bin/flink run (--via cli), prints each result and job state, and
# stops the cluster again (also on failure or Ctrl-C).
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

# wait_for JOB_ID OUT_DIR: waits until the job ends; prints its state and the rows it wrote.
wait_for() {
    python3 - "$url" "$1" "$2" <<'PY'
import json, pathlib, sys, time, urllib.request
url, job_id, out = sys.argv[1:]
state = None
for _ in range(240):
    state = json.load(urllib.request.urlopen(f"{url}/jobs/{job_id}", timeout=5))["state"]
    if state in ("FINISHED", "FAILED", "CANCELED"):
        break
    time.sleep(0.25)
rows = sum(len(p.read_text().splitlines()) for p in pathlib.Path(out).glob("part-*"))
print(f"== job {job_id}: {state}, {rows} rows written to {out}", file=sys.stderr)
sys.exit(0 if state == "FINISHED" else 1)
PY
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
