#!/usr/bin/env bash
# Compiles examples/java/SubmitJobClient.java at Java 8 level and drives it against a real Flink
# cluster, the way the backend would. Needs the variables scripts/test.sh exports:
#   SUBMITJOB_IT_BINARY      the release submitjob
#   SUBMITJOB_IT_DIST        the fixture chunjun-dist
#   SUBMITJOB_IT_FLINK_1_20  the Flink 1.20 REST URL
#   SUBMITJOB_IT_WORK        a scratch folder
# Three further cases use stand-in binaries (no cluster): a stderr flood, a hung child, escapes.
set -euo pipefail
cd "$(dirname "$0")/.."

: "${SUBMITJOB_IT_BINARY:?set SUBMITJOB_IT_BINARY to the submitjob binary}"
: "${SUBMITJOB_IT_DIST:?set SUBMITJOB_IT_DIST to the fixture chunjun-dist}"
: "${SUBMITJOB_IT_FLINK_1_20:?set SUBMITJOB_IT_FLINK_1_20 to a Flink 1.20 REST URL}"
: "${SUBMITJOB_IT_WORK:?set SUBMITJOB_IT_WORK to a scratch folder}"

job=Tests/Fixtures/jobs/stream-sync.json
flink=${SUBMITJOB_IT_FLINK_1_20%/}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/submitjob-java.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

javac --release 8 -Xlint:all -Werror -d "$tmp/classes" examples/java/SubmitJobClient.java

passed=0
failed=0
check() { # check NAME COMMAND...: one test line per check
    local name=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok   $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name" >&2
        echo "     stdout: ${out:-}" >&2
        sed 's/^/     stderr: /' "$tmp/stderr" >&2 || true
    fi
}

# client [JAVA_OPTS...] -- ARGS...: runs the example; sets $rc and $out (its stdout), stderr to a file.
client() {
    local opts=()
    while [ "$1" != "--" ]; do opts+=("$1"); shift; done
    shift
    rc=0
    out=$(java "${opts[@]}" -cp "$tmp/classes" SubmitJobClient "$@" 2>"$tmp/stderr") || rc=$?
}

# Waits up to 60 s for a terminal state and prints it.
job_state() {
    python3 - "$flink/jobs/$1" <<'EOF'
import json, sys, time, urllib.request
deadline = time.monotonic() + 60
state = "UNKNOWN"
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(sys.argv[1], timeout=5) as response:
            state = json.load(response).get("state", "UNKNOWN")
    except Exception as error:  # the job may not be listed for a moment
        state = "unreadable: %s" % error
    if state in ("FINISHED", "FAILED", "CANCELED"):
        break
    time.sleep(0.5)
print(state)
EOF
}

no_secret_in_output() {
    # The fixture's password; the job text must appear nowhere the example prints.
    ! grep -qF 'p+a%2Bs&s' <<<"$out" && ! grep -qF 'p+a%2Bs&s' "$tmp/stderr"
}

# 1. A real submission: exit 0, a job id, the job finishes, its text arrived byte-exact.
mkdir -p "$SUBMITJOB_IT_WORK"
outdir=$(mktemp -d "$SUBMITJOB_IT_WORK/java-example.XXXXXX")
client -- "$SUBMITJOB_IT_BINARY" "$job" \
    --chunjun-dist "$SUBMITJOB_IT_DIST" --flink "$flink" --param "outDir=$outdir"
check "submit exits 0 (got $rc)" test "$rc" -eq 0
check "prints jobId=<32 hex>" grep -qxE 'jobId=[0-9a-f]{32}' <<<"$out"
check "no secret in the example's output" no_secret_in_output
job_id=$(sed -n 's/^jobId=//p' <<<"$out")
if [ -n "$job_id" ]; then
    state=$(job_state "$job_id")
else
    state="no job id"
fi
check "job $job_id reaches FINISHED (got $state)" test "$state" = FINISHED
check "the job text arrived byte-exact through stdin" cmp -s "$job" "$outdir/job.txt"

# 1b. Following it: status of the finished job (its counters), and an unknown id (exit 4).
if [ -n "$job_id" ]; then
    client -- "$SUBMITJOB_IT_BINARY" --control status "$job_id" --flink "$flink"
    check "status exits 0 (got $rc)" test "$rc" -eq 0
    check "prints state=FINISHED" grep -qx 'state=FINISHED' <<<"$out"
    check "prints numRead=10 (Chunjun's counter of the 10 rows)" grep -qx 'numRead=10' <<<"$out"
    client -- "$SUBMITJOB_IT_BINARY" --control cancel "$job_id" --flink "$flink"
    check "cancel of the finished job exits 0 (got $rc)" bash -c '[ "$1" -eq 0 ] && grep -qx "state=FINISHED" <<<"$2"' _ "$rc" "$out"
fi
client -- "$SUBMITJOB_IT_BINARY" --control status 00000000000000000000000000000000 --flink "$flink"
check "an unknown job exits 4 (got $rc)" test "$rc" -eq 4
check "prints error=job_not_found" grep -q '^error=job_not_found: ' <<<"$out"

# 2. Nothing listens: exit 69 and the code, from the one JSON document.
client -- "$SUBMITJOB_IT_BINARY" "$job" \
    --chunjun-dist "$SUBMITJOB_IT_DIST" --flink http://127.0.0.1:9 --param "outDir=$outdir"
check "unreachable Flink exits 69 (got $rc)" test "$rc" -eq 69
check "prints error=flink_unreachable" grep -q '^error=flink_unreachable: ' <<<"$out"
check "no secret in the error output" no_secret_in_output

# 3. Stand-ins for the pipe handling. A child that floods stderr before reading stdin would
#    block forever against a client that drains the pipes one after the other.
cat >"$tmp/flood" <<'EOF'
#!/usr/bin/env bash
head -c 1048576 /dev/zero | tr '\0' 'x' >&2
cat >/dev/null
echo '{"ok":true,"jobId":"0123456789abcdef0123456789abcdef","flinkVersion":"1.20.3"}'
EOF
cat >"$tmp/hang" <<'EOF'
#!/usr/bin/env bash
trap '' TERM          # ignores the polite signal: the client must escalate to SIGKILL
while :; do sleep 0.2; done
EOF
cat >"$tmp/escapes" <<'EOF'
#!/usr/bin/env bash
cat >/dev/null
printf '%s\n' '{"ok":false,"error":{"code":"flink_rejected","message":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ tab\tx","exitCode":1,"n":[1,-2.5e3,true,null,{}]}}'
exit 1
EOF
chmod +x "$tmp/flood" "$tmp/hang" "$tmp/escapes"

client -Dsubmitjob.timeoutSeconds=20 -- "$tmp/flood" "$job"
check "1 MiB of stderr does not jam the child (rc $rc)" grep -qx 'jobId=0123456789abcdef0123456789abcdef' <<<"$out"

started=$SECONDS
client -Dsubmitjob.timeoutSeconds=1 -- "$tmp/hang" "$job"
took=$((SECONDS - started))
check "a hung child is killed at the deadline: exit 75, error=client_timeout (rc $rc, ${took}s)" \
    bash -c '[ "$1" -eq 75 ] && [ "$2" -le 15 ] && grep -q "^error=client_timeout: " <<<"$3"' _ "$rc" "$took" "$out"

client -Dsubmitjob.timeoutSeconds=20 -- "$tmp/escapes" "$job"
check "escapes and surrogate pairs decode (rc $rc)" \
    test "$out" = "$(printf 'error=flink_rejected: café 😀 "q" \\ / tab\tx')"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
