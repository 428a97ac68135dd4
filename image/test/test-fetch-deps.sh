#!/usr/bin/env bash
# Tests image/fetch-deps.sh against a local HTTP server (python3 -m http.server on 127.0.0.1, a free
# port) serving generated files, with a test manifest. Prints ok/FAIL per check; exits non-zero on
# any FAIL. No network beyond loopback.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fetch=$here/../fetch-deps.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/test-fetch-deps.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=image/test/checks.sh
. "$(dirname "$0")/checks.sh"
sha() { sha256sum "$1" | cut -d' ' -f1; }
stamp() { stat -c '%i %Y' "$1"; }
gets() { grep -c '"GET ' "$work/server.log" || true; }

# --- What the server serves.
srv=$work/srv dest=$work/dest
mkdir -p "$srv/maven/org/a/1.0" "$srv/maven/org/b/2.0" "$srv/maven/org/opt/3.0" "$srv/chunjun/v9" "$dest"
head -c 200000 /dev/urandom > "$srv/maven/org/a/1.0/a-1.0.jar"
head -c 300000 /dev/urandom > "$srv/maven/org/b/2.0/b-2.0.jar"
head -c 1000 /dev/urandom > "$srv/maven/org/opt/3.0/opt-3.0.jar"
mkdir -p "$work/tree/chunjun-dist/connector/mysql"
echo core > "$work/tree/chunjun-dist/chunjun-core.jar"
echo mysql > "$work/tree/chunjun-dist/connector/mysql/chunjun-connector-mysql.jar"
tar -czf "$srv/chunjun/v9/dist.tar.gz" -C "$work/tree" chunjun-dist

sum_a=$(sha "$srv/maven/org/a/1.0/a-1.0.jar")
sum_b=$(sha "$srv/maven/org/b/2.0/b-2.0.jar")
sum_o=$(sha "$srv/maven/org/opt/3.0/opt-3.0.jar")
sum_d=$(sha "$srv/chunjun/v9/dist.tar.gz")

cat > "$work/deps.sha256" <<EOF
# test manifest
$sum_a  lib/a-1.0.jar  maven:org/a/1.0/a-1.0.jar  required
$sum_b  lib/b-2.0.jar  maven:org/b/2.0/b-2.0.jar  required

$sum_d  chunjun/dist.tar.gz  chunjun:v9/dist.tar.gz  required  unpack=chunjun/chunjun-dist
$sum_o  plugins/opt/opt-3.0.jar  maven:org/opt/3.0/opt-3.0.jar  optional
EOF

# --- The server: loopback only, a free port chosen by the kernel, stopped by PID in the trap.
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$srv" > "$work/server.out" 2> "$work/server.log" &
server_pid=$!
port=
for _ in $(seq 1 100); do
    port=$(sed -n 's/.* port \([0-9][0-9]*\) .*/\1/p' "$work/server.out" | head -n 1)
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { echo "FAIL - the test HTTP server did not start"; exit 1; }
base=http://127.0.0.1:$port

# The base URLs point at the server: this is also the override check (the defaults are remote).
export MAVEN_BASE_URL=$base/maven CHUNJUN_BASE_URL=$base/chunjun
unset WITH_OPTIONAL DEPS_MANIFEST DEPS_DEST FETCH_TOOL
run() { # run LOGNAME ARGS...: fetch-deps with the test manifest and destination; sets rc
    rc=0
    "$fetch" --manifest "$work/deps.sha256" --dest "$dest" "${@:2}" > "$work/$1.out" 2> "$work/$1.err" || rc=$?
}
no_partials() { [ -z "$(find "$dest" -name '.*.part.*' -print -quit)" ]; }

# 1. First run: downloads and verifies every required artifact, unpacks the archive, skips the optional one.
run first
check "first run exits 0" test "$rc" -eq 0
check "first run: a verified" test "$(sha "$dest/lib/a-1.0.jar")" = "$sum_a"
check "first run: b verified" test "$(sha "$dest/lib/b-2.0.jar")" = "$sum_b"
check "first run: archive verified" test "$(sha "$dest/chunjun/dist.tar.gz")" = "$sum_d"
check "first run: archive unpacked, top folder stripped" test -f "$dest/chunjun/chunjun-dist/connector/mysql/chunjun-connector-mysql.jar"
check "first run: optional artifact not fetched without --with-optional" test ! -e "$dest/plugins/opt/opt-3.0.jar"
check "first run: exactly 3 requests" test "$(gets)" -eq 3
check "base URL override: served from the local maven path" grep -q '"GET /maven/org/a/1.0/a-1.0.jar' "$work/server.log"
check "base URL override: served from the local chunjun path" grep -q '"GET /chunjun/v9/dist.tar.gz' "$work/server.log"
check "first run: no temporary file left" no_partials

# 2. Second run: downloads nothing; files keep their inode and mtime.
before_a=$(stamp "$dest/lib/a-1.0.jar") before_b=$(stamp "$dest/lib/b-2.0.jar")
before_d=$(stamp "$dest/chunjun/dist.tar.gz") before_u=$(stamp "$dest/chunjun/chunjun-dist/chunjun-core.jar")
n=$(gets)
run second
check "second run exits 0" test "$rc" -eq 0
check "second run: no request to the server" test "$(gets)" -eq "$n"
check "second run: files untouched (inode, mtime)" test "$(stamp "$dest/lib/a-1.0.jar") $(stamp "$dest/lib/b-2.0.jar") $(stamp "$dest/chunjun/dist.tar.gz")" = "$before_a $before_b $before_d"
check "second run: unpacked tree not redone" test "$(stamp "$dest/chunjun/chunjun-dist/chunjun-core.jar")" = "$before_u"
check "second run: says already present" grep -q 'lib/a-1.0.jar: already present and verified' "$work/second.err"

# 3. --with-optional, with the python3 downloader: fetches the optional artifact only.
n=$(gets)
FETCH_TOOL=python3 run optional --with-optional
check "--with-optional (python3 downloader) exits 0" test "$rc" -eq 0
check "--with-optional: optional artifact verified" test "$(sha "$dest/plugins/opt/opt-3.0.jar")" = "$sum_o"
check "--with-optional: exactly 1 more request" test "$(gets)" -eq $((n + 1))

# 4. A local file that fails verification is downloaded again; the others stay untouched.
before_a=$(stamp "$dest/lib/a-1.0.jar")
echo garbage > "$dest/lib/b-2.0.jar"
run relocal
check "corrupted local file: run exits 0" test "$rc" -eq 0
check "corrupted local file: reported" grep -q 'lib/b-2.0.jar: the file in place fails verification' "$work/relocal.err"
check "corrupted local file: downloaded again and verified" test "$(sha "$dest/lib/b-2.0.jar")" = "$sum_b"
check "corrupted local file: good file untouched" test "$(stamp "$dest/lib/a-1.0.jar")" = "$before_a"

# 5. A corrupted served file: non-zero exit, a message naming the file and both hashes, no partial
#    file, good files untouched.
rm "$dest/lib/b-2.0.jar"
head -c 300000 /dev/urandom > "$srv/maven/org/b/2.0/b-2.0.jar"
bad_sum=$(sha "$srv/maven/org/b/2.0/b-2.0.jar")
before_a=$(stamp "$dest/lib/a-1.0.jar") before_d=$(stamp "$dest/chunjun/dist.tar.gz")
run mismatch
check "corrupted served file: exit 1" test "$rc" -eq 1
check "corrupted served file: message names the file" grep -q 'lib/b-2.0.jar: CHECKSUM MISMATCH' "$work/mismatch.err"
check "corrupted served file: message has the expected hash" grep -q "expected sha256 $sum_b" "$work/mismatch.err"
check "corrupted served file: message has the actual hash" grep -q "actual   sha256 $bad_sum" "$work/mismatch.err"
check "corrupted served file: no file written" test ! -e "$dest/lib/b-2.0.jar"
check "corrupted served file: no temporary file left" no_partials
check "corrupted served file: good files untouched" test "$(stamp "$dest/lib/a-1.0.jar") $(stamp "$dest/chunjun/dist.tar.gz")" = "$before_a $before_d"

# 6. A missing file on the server (HTTP 404): exit 1, nothing left behind.
rm "$srv/maven/org/b/2.0/b-2.0.jar"
run notfound
check "HTTP 404: exit 1" test "$rc" -eq 1
check "HTTP 404: says the download failed" grep -q 'lib/b-2.0.jar: download failed' "$work/notfound.err"
check "HTTP 404: no file and no temporary file" test ! -e "$dest/lib/b-2.0.jar" -a -z "$(find "$dest" -name '.*.part.*' -print -quit)"

# 7. UNPINNED entries are refused: a required one fails the run (exit 3) after the others,
#    an optional one is skipped.
cat > "$work/unpinned.sha256" <<EOF
UNPINNED  lib/new-1.0.jar  maven:org/new/1.0/new-1.0.jar  required
UNPINNED  lib/opt2-1.0.jar  maven:org/opt2/1.0/opt2-1.0.jar  optional
$sum_a  lib/a-1.0.jar  maven:org/a/1.0/a-1.0.jar  required
EOF
n=$(gets)
rc=0; "$fetch" --manifest "$work/unpinned.sha256" --dest "$dest" --with-optional > /dev/null 2> "$work/unpinned.err" || rc=$?
check "UNPINNED required: exit 3" test "$rc" -eq 3
check "UNPINNED: refused with how to pin it" grep -q 'lib/new-1.0.jar: REFUSED: no SHA-256 is pinned' "$work/unpinned.err"
check "UNPINNED: message says to run sha256sum" grep -q 'sha256sum new-1.0.jar' "$work/unpinned.err"
check "UNPINNED: nothing requested, nothing written" test "$(gets)" -eq "$n" -a ! -e "$dest/lib/new-1.0.jar" -a ! -e "$dest/lib/opt2-1.0.jar"
check "UNPINNED: the pinned entry is still handled" grep -q 'lib/a-1.0.jar: already present and verified' "$work/unpinned.err"
printf '%s\n' "UNPINNED  lib/opt2-1.0.jar  maven:org/opt2/1.0/opt2-1.0.jar  optional" > "$work/unpinned-opt.sha256"
rc=0; DEPS_MANIFEST=$work/unpinned-opt.sha256 DEPS_DEST=$dest WITH_OPTIONAL=1 "$fetch" > /dev/null 2>&1 || rc=$?
check "UNPINNED optional only (flags via env): exit 0" test "$rc" -eq 0

# 8. A malformed manifest fetches nothing (exit 2).
printf '%s\n' "abc  lib/x.jar  maven:x.jar  required" > "$work/bad.sha256"
n=$(gets)
rc=0; "$fetch" --manifest "$work/bad.sha256" --dest "$dest" > /dev/null 2> "$work/bad.err" || rc=$?
check "malformed manifest: exit 2 with the line number" test "$rc" -eq 2 -a -n "$(grep -l 'bad.sha256:1:' "$work/bad.err")"
check "malformed manifest: no request" test "$(gets)" -eq "$n"

# 9. The real manifest (read only: it names remote URLs) is well-formed and pins the required jars.
real=$here/../deps.sha256
check "real manifest: every pin is 64 hex digits or UNPINNED" \
    test -z "$(grep -v '^[[:space:]]*\(#\|$\)' "$real" | grep -Ev '^([0-9a-f]{64}|UNPINNED) ')"
check "real manifest: commons-lang 2.6 and commons-logging 1.2 are required" \
    test "$(grep -cE '^[0-9a-f]{64} +lib/commons-(lang-2\.6|logging-1\.2)\.jar .* required$' "$real")" -eq 2

echo "fetch-deps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
