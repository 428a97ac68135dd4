#!/usr/bin/env bash
# Proves the static release binary runs on the userland of the Flink 1.12.7 image: Debian 11
# bullseye, glibc 2.31. It builds a minimal bullseye root once (cached outside the repo), then runs
# `--version`, an offline `plan` and a real `submit` inside it with chroot.
#
# Needs root (debootstrap, chroot) and a running Flink cluster:
#   SUBMITJOB_IT_FLINK_1_20  the cluster's REST URL on loopback (chroot shares the network namespace)
#   SUBMITJOB_IT_DIST        the fixture chunjun-dist, an absolute path the cluster can read
#   SUBMITJOB_IT_WORK        a folder the cluster writes the job's output under
#   SUBMITJOB_IT_BINARY      the binary to test (default .build/release/submitjob)
#   SUBMITJOB_BULLSEYE_MIRROR  the Debian mirror (default http://deb.debian.org/debian)
set -euo pipefail
cd "$(dirname "$0")/.."

cache=${SUBMITJOB_CACHE:-$HOME/.cache/submitjob}
root="$cache/bullseye-root"
mirror=${SUBMITJOB_BULLSEYE_MIRROR:-http://deb.debian.org/debian}
binary=$(realpath "${SUBMITJOB_IT_BINARY:-.build/release/submitjob}")
dist=$(realpath "${SUBMITJOB_IT_DIST:?set SUBMITJOB_IT_DIST to the fixture chunjun-dist}")
url=${SUBMITJOB_IT_FLINK_1_20:?set SUBMITJOB_IT_FLINK_1_20 to a Flink REST URL}
work=${SUBMITJOB_IT_WORK:?set SUBMITJOB_IT_WORK to a folder the cluster can write}
job=Tests/Fixtures/jobs/stream-sync.json

[ "$(id -u)" -eq 0 ] || { echo "test-bullseye: needs root for debootstrap and chroot" >&2; exit 1; }
[ -x "$binary" ] || { echo "test-bullseye: no binary at $binary" >&2; exit 1; }
[ -d "$dist" ] || { echo "test-bullseye: no chunjun-dist at $dist" >&2; exit 1; }

# Unmounts anything left mounted under $1 (deepest first), so that removing $1 can never reach
# into a mounted host filesystem.
unmount_under() {
    local m
    for m in $(awk -v p="$1/" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r); do
        umount -l "$m" || true
    done
}

apt_updated=
need_tool() {  # need_tool COMMAND PACKAGE
    command -v "$1" >/dev/null && return
    [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}
need_tool file file
need_tool python3 python3

# --- The cached bullseye root. Built in a temp dir next to it and moved into place with one
# rename, so an interrupted run never leaves a half root where the next run would reuse it.
if [ ! -d "$root" ]; then
    need_tool debootstrap debootstrap
    mkdir -p "$cache"
    building=$(mktemp -d "$cache/bullseye-root.tmp.XXXXXX")
    # An interrupt reaches this trap only once debootstrap has ended (bash waits for a foreground
    # child), so nothing is still writing into the folder when it is removed.
    trap 'unmount_under "$building"; rm -rf --one-file-system "$building" "$building.log"' EXIT
    trap 'exit 130' INT TERM
    chmod 755 "$building"  # mktemp makes it 0700; a root filesystem's / is 0755
    echo "== debootstrap --variant=minbase bullseye from $mirror (first run only)" >&2
    started=$(date +%s%N)
    if ! debootstrap --variant=minbase bullseye "$building" "$mirror" >"$building.log" 2>&1; then
        tail -n 30 "$building.log" >&2
        cp "$building.log" "$cache/bullseye-debootstrap-failed.log"
        echo "test-bullseye: debootstrap failed; full log in $cache/bullseye-debootstrap-failed.log" >&2
        exit 1
    fi
    seconds=$(awk -v ns=$(($(date +%s%N) - started)) 'BEGIN { printf "%.1f", ns / 1e9 }')
    unmount_under "$building"
    # A concurrent run may have put its root in place first; then ours is dropped and theirs used.
    mv -T "$building" "$root" 2>/dev/null || echo "== another run built $root first; using it" >&2
    rm -rf --one-file-system "$building" "$building.log"
    trap - EXIT
    echo "== debootstrap took ${seconds}s; root is $(du -sh --one-file-system "$root" | cut -f1)" >&2
else
    echo "== reusing $root ($(du -sh --one-file-system "$root" | cut -f1))" >&2
fi

# --- The per-run folder inside the root: removed by the trap; the cached root is never touched.
run=$(mktemp -d "$root/run-XXXXXX")
inside="/${run##*/}"
out="$work/bullseye-rows-${run##*-}"  # outside the chroot: the cluster writes it, not submitjob
mounted_proc=
cleanup() {
    if [ -n "$mounted_proc" ]; then umount "$root/proc" || umount -l "$root/proc" || true; fi
    unmount_under "$run"
    rm -rf --one-file-system "$run"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 755 "$run"
cp "$binary" "$run/submitjob"
cp -r "$dist" "$run/chunjun-dist"
cp "$job" "$run/stream-sync.json"
mkdir -p "$out"

# The Swift runtime finds itself through /proc/self/exe and aborts at start-up without it
# ("Unable to obtain Swift runtime path", exit 134), so the root gets a proc mount for this run,
# as every container has. debootstrap already made the /dev nodes (urandom, null), so /dev needs
# none. Shown first, without /proc, for the record; it is not a test.
status=0
# (The subshell keeps bash's own "Aborted" notice off the output.)
(chroot "$root" /usr/bin/env -i "$inside/submitjob" --version >/dev/null 2>"$run/stderr"; exit $?) 2>/dev/null || status=$?
echo "     without /proc: exit $status $(head -c 200 "$run/stderr")"
# Mounted only when not mounted already (say, by a concurrent run), and unmounted only by whoever mounted it.
if ! awk -v p="$root/proc" '$2 == p { found = 1 } END { exit !found }' /proc/mounts; then
    mounted_proc=1  # set first: the trap must unmount even if we are stopped right after mount
    mount -t proc proc "$root/proc"
fi

# Runs submitjob inside the root with a clean environment, as a bare image would: nothing from
# this host (CHUNJUN_DIST, FLINK_REST_URL, …) leaks in.
in_root() {
    chroot "$root" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root "$inside/submitjob" "$@"
}

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
not_ok() { failed=$((failed + 1)); echo "FAIL $*"; }

# 1. The binary is static, so the root's own loader and libraries are never involved.
if file "$binary" | grep -q "statically linked"; then ok "file: statically linked"
else not_ok "file does not say statically linked: $(file -b "$binary")"; fi

# 2. The root really is glibc 2.31 (its libc.so.6 prints its version when run).
glibc=$(chroot "$root" /lib/x86_64-linux-gnu/libc.so.6 | head -n 1 || true)
echo "     glibc in root: $glibc"
if [[ $glibc == *"version 2.31"* ]]; then ok "root has glibc 2.31"
else not_ok "root glibc is not 2.31"; fi

# 3. --version
status=0
version=$(in_root --version 2>"$run/stderr") || status=$?
if [ "$status" -eq 0 ]; then ok "submitjob --version -> $version"
else not_ok "submitjob --version exited $status: $(cat "$run/stderr")"; fi

# 4. Offline plan: reads the dist and the job inside the root, asks no cluster.
status=0
plan=$(in_root plan --flink-version 1.12.7 --chunjun-dist "$inside/chunjun-dist" \
    --job "$inside/stream-sync.json" --param outDir=/tmp/x 2>"$run/stderr") || status=$?
plan_ok=$(python3 -c 'import json, sys; print(json.load(sys.stdin).get("ok"))' <<<"$plan" 2>/dev/null || echo "unparsable")
if [ "$status" -eq 0 ] && [ "$plan_ok" = True ]; then ok "submitjob plan (offline, 1.12.7): exit 0, ok true"
else not_ok "submitjob plan: exit $status, ok=$plan_ok: $plan $(cat "$run/stderr")"; fi

# 5. A real submit. The local dist (listed and hashed by submitjob) is the copy inside the root;
#    the cluster runs outside the root, so it gets the dist's real path as --remote-chunjun-dist.
status=0
result=$(in_root submit --flink "$url" --chunjun-dist "$inside/chunjun-dist" --remote-chunjun-dist "$dist" \
    --job "$inside/stream-sync.json" --name bullseye-stream-sync --param "outDir=$out" 2>"$run/stderr") || status=$?
job_id=$(python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["jobId"] if d.get("ok") else "")' <<<"$result" 2>/dev/null || true)
if [ "$status" -eq 0 ] && [ -n "$job_id" ]; then ok "submitjob submit to $url: exit 0, jobId $job_id"
else not_ok "submitjob submit: exit $status: $result $(cat "$run/stderr")"; fi

# 6. The job ran on the cluster: FINISHED within 60 s, and it wrote the fixture's 10 rows.
if [ -n "$job_id" ]; then
    if verdict=$(python3 - "$url" "$job_id" "$out" <<'PY'
import json, pathlib, sys, time, urllib.request
url, job_id, out = sys.argv[1:]
deadline, state = time.monotonic() + 60, None
while time.monotonic() < deadline:
    state = json.load(urllib.request.urlopen(f"{url}/jobs/{job_id}", timeout=5))["state"]
    if state in ("FINISHED", "FAILED", "CANCELED"):
        break
    time.sleep(0.25)
part = pathlib.Path(out) / "part-0"
rows = len(part.read_text().splitlines()) if part.exists() else 0
print(f"state {state}, {rows} rows in {part}")
sys.exit(0 if state == "FINISHED" and rows == 10 else 1)
PY
    ); then ok "job $verdict"
    else not_ok "job ${verdict:-did not answer}"; fi
else
    not_ok "job not polled: no jobId"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
