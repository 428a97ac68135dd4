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
stamp() { stat -c '%i %Y' "$1"; }

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
serve "$srv"

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

# --- Pinning on first use (--pin), local copies (--from), --offline, sha1=.
mkdir -p "$srv/maven/org/t/1.0" "$srv/maven/org/r/1.0" "$srv/maven/org/h/1.0"
head -c 150000 /dev/urandom > "$srv/maven/org/t/1.0/t-1.0.jar"
head -c 7000 /dev/urandom > "$srv/maven/org/r/1.0/r-1.0.jar"
head -c 5000 /dev/urandom > "$srv/maven/org/h/1.0/h-1.0.jar"
sum_t=$(sha "$srv/maven/org/t/1.0/t-1.0.jar")
sum_r=$(sha "$srv/maven/org/r/1.0/r-1.0.jar")
sum_h=$(sha "$srv/maven/org/h/1.0/h-1.0.jar")
# The SHA-1 from python's hashlib: independent of the sha1sum fetch-deps uses.
sha1_h=$(python3 -c 'import hashlib,sys; print(hashlib.sha1(open(sys.argv[1],"rb").read()).hexdigest())' "$srv/maven/org/h/1.0/h-1.0.jar")
zero40=0000000000000000000000000000000000000000
gets_of() { grep -c "\"GET $1" "$work/server.log" || true; }
fd() { # fd LOGNAME MANIFEST DEST ARGS...: fetch-deps with that manifest and destination; sets rc
    rc=0
    "$fetch" --manifest "$2" --dest "$3" "${@:4}" > "$work/$1.out" 2> "$work/$1.err" || rc=$?
}
same() { cmp -s "$1" "$2"; }
no_partials_in() { [ -z "$(find "$@" -maxdepth 3 -name '.*.part.*' -print -quit 2> /dev/null)" ]; }
comment_above() { # comment_above MANIFEST SHA256: the line right above the entry pinned to SHA256
    awk -v s="$2 " 'index($0, s) == 1 { print prev } { prev = $0 }' "$1"
}

# 9. UNPINNED required, no --pin: exit 3, and the message names the commands that pin it.
tofu=$work/tofu.sha256 tdest=$work/dest-tofu
{
    echo "# a test manifest: every line but the pinned entry must stay byte-identical"
    echo "$sum_a  lib/a-1.0.jar  maven:org/a/1.0/a-1.0.jar  required"
    echo
    echo "UNPINNED   lib/t-1.0.jar   maven:org/t/1.0/t-1.0.jar  required"
    echo "# a comment after it"
    printf '%s' "# the last line, without a newline"
} > "$tofu"
chmod 0640 "$tofu"
cp -p "$tofu" "$work/tofu.orig"
fd tofu-refused "$tofu" "$tdest"
check "UNPINNED required without --pin: exit 3" test "$rc" -eq 3
check "UNPINNED required without --pin: refused" grep -q 'lib/t-1.0.jar: REFUSED: no SHA-256 is pinned' "$work/tofu-refused.err"
check "UNPINNED required without --pin: names image/fetch-deps.sh --pin and make image PIN=1" \
    grep -qF 'To pin it on first use (trusting the copy fetched now): image/fetch-deps.sh --pin   (or: make image PIN=1)' "$work/tofu-refused.err"
check "UNPINNED required without --pin: names the --from DIR alternative" grep -qF 'image/fetch-deps.sh --pin --from DIR' "$work/tofu-refused.err"
check "UNPINNED required without --pin: nothing requested for it, nothing written" \
    test "$(gets_of /maven/org/t/)" -eq 0 -a ! -e "$tdest/lib/t-1.0.jar"
check "UNPINNED required without --pin: manifest unchanged" same "$tofu" "$work/tofu.orig"

# 10. --pin: fetched, announced on stderr, pinned in the manifest (only that line changed, a comment
#     above it), the file verified in place.
day1=$(date -u +%Y-%m-%d) inode=$(stat -c %i "$tofu")
fd tofu-pin "$tofu" "$tdest" --pin
day2=$(date -u +%Y-%m-%d)
check "--pin: exit 0" test "$rc" -eq 0
check "--pin: the file is in place, as served" test "$(sha "$tdest/lib/t-1.0.jar")" = "$sum_t"
check "--pin: fetched once" test "$(gets_of /maven/org/t/1.0/t-1.0.jar)" -eq 1
check "--pin: the manifest has the served file's sha256 (spacing kept)" \
    grep -qx "$sum_t   lib/t-1.0.jar   maven:org/t/1.0/t-1.0.jar  required" "$tofu"
above=$(comment_above "$tofu" "$sum_t")
check "--pin: comment right above the entry, with the date (UTC) and the URL" \
    test "$above" = "# pinned on first use $day1 (UTC) from $base/maven/org/t/1.0/t-1.0.jar" \
      -o "$above" = "# pinned on first use $day2 (UTC) from $base/maven/org/t/1.0/t-1.0.jar"
check "--pin: every other line byte-identical (comment removed and UNPINNED put back: same bytes)" \
    cmp -s <(sed '/^# pinned on first use /d; s/^'"$sum_t"' /UNPINNED /' "$tofu") "$work/tofu.orig"
check "--pin: exactly one line added" test "$(wc -l < "$tofu")" -eq $(($(wc -l < "$work/tofu.orig") + 1))
check "--pin: the manifest keeps its mode" test "$(stat -c %a "$tofu")" = 640
check "--pin: the manifest replaced by a rename (a new inode), not rewritten in place" test "$(stat -c %i "$tofu")" != "$inode"
check "--pin: no temporary file left beside the manifest or in the destination" no_partials_in "$work" "$tdest"
check "--pin: block on stderr names the file" grep -q 'PINNED ON FIRST USE: lib/t-1.0.jar' "$work/tofu-pin.err"
check "--pin: block on stderr gives the URL" grep -qF "from    $base/maven/org/t/1.0/t-1.0.jar" "$work/tofu-pin.err"
check "--pin: block on stderr gives the size in bytes and MB" grep -qF 'size    150000 bytes (0.15 MB)' "$work/tofu-pin.err"
check "--pin: block on stderr gives the sha256" grep -qF "sha256  $sum_t" "$work/tofu-pin.err"
check "--pin: block says to review and commit the manifest" grep -qF "pinned on first use: review and commit $tofu" "$work/tofu-pin.err"
check "--pin: nothing on stdout (the block is on stderr)" test ! -s "$work/tofu-pin.out"
cp -p "$tofu" "$work/tofu.pinned"

# 11. Later runs verify against the pin: nothing downloaded when in place, one verified download when not.
n=$(gets)
fd tofu-again "$tofu" "$tdest"
check "after pinning, a run without --pin: exit 0, no request" test "$rc" -eq 0 -a "$(gets)" -eq "$n"
check "after pinning: the file is verified against the pin" grep -q 'lib/t-1.0.jar: already present and verified' "$work/tofu-again.err"
rm "$tdest/lib/t-1.0.jar"
fd tofu-redownload "$tofu" "$tdest"
check "after pinning, file removed: downloaded again and verified" \
    test "$rc" -eq 0 -a "$(gets_of /maven/org/t/1.0/t-1.0.jar)" -eq 2 -a "$(sha "$tdest/lib/t-1.0.jar")" = "$sum_t"
fd tofu-repin "$tofu" "$tdest" --pin
check "--pin with everything pinned: exit 0" test "$rc" -eq 0
check "--pin with everything pinned: manifest unchanged" same "$tofu" "$work/tofu.pinned"

# 12. The served file changes after the pin: the next run fails, with or without --pin, and the
#     manifest stays as pinned (--pin never changes an existing pin).
head -c 150000 /dev/urandom > "$srv/maven/org/t/1.0/t-1.0.jar"
rm "$tdest/lib/t-1.0.jar"
fd tofu-changed "$tofu" "$tdest"
check "served file changed after the pin: exit 1" test "$rc" -eq 1
check "served file changed after the pin: CHECKSUM MISMATCH" grep -q 'lib/t-1.0.jar: CHECKSUM MISMATCH' "$work/tofu-changed.err"
check "served file changed after the pin: nothing written" test ! -e "$tdest/lib/t-1.0.jar"
check "served file changed after the pin: manifest unchanged" same "$tofu" "$work/tofu.pinned"
inode=$(stat -c %i "$tofu")
fd tofu-changed-pin "$tofu" "$tdest" --pin
check "--pin against a mismatching existing pin: exit 1" test "$rc" -eq 1
check "--pin against a mismatching existing pin: CHECKSUM MISMATCH" grep -q 'lib/t-1.0.jar: CHECKSUM MISMATCH' "$work/tofu-changed-pin.err"
check "--pin against a mismatching existing pin: manifest not rewritten (same bytes, same inode)" \
    test -n "$(same "$tofu" "$work/tofu.pinned" && echo yes)" -a "$(stat -c %i "$tofu")" = "$inode"
check "--pin against a mismatching existing pin: nothing written" test ! -e "$tdest/lib/t-1.0.jar"

# 13. --from DIR: local copies by SOURCE's or DESTINATION's name, verified or pinned like a download.
loc=$work/local fm=$work/from.sha256
mkdir -p "$loc"
cp "$srv/maven/org/a/1.0/a-1.0.jar" "$loc/"
cp "$srv/maven/org/r/1.0/r-1.0.jar" "$loc/renamed.jar"            # named like its DESTINATION
head -c 120000 /dev/urandom > "$loc/u-1.0.jar"                     # on no server: only a copy can pin them
head -c 1000 /dev/urandom > "$loc/v-1.0.jar"
sum_u=$(sha "$loc/u-1.0.jar") sum_v=$(sha "$loc/v-1.0.jar")
# Two UNPINNED entries: the second is pinned one line further down than it was read.
printf '%s\n' "$sum_a  lib/a-1.0.jar  maven:org/a/1.0/a-1.0.jar  required" \
    "UNPINNED  lib/u-1.0.jar  maven:org/u/1.0/u-1.0.jar  required" \
    "$sum_r  lib/renamed.jar  maven:org/r/1.0/r-1.0.jar  required" \
    "UNPINNED  lib/v-1.0.jar  maven:org/v/1.0/v-1.0.jar  required" > "$fm"
n=$(gets)
fd from-pin "$fm" "$work/dest-from" --from "$loc" --pin
check "--from --pin: exit 0" test "$rc" -eq 0
check "--from --pin: no request to the server" test "$(gets)" -eq "$n"
check "--from --pin: says it used the local copy" grep -qF "lib/u-1.0.jar: using the local copy $loc/u-1.0.jar" "$work/from-pin.err"
check "--from --pin: both UNPINNED copies pinned with their sha256, one comment each" \
    test "$(grep -v '^# pinned on first use ' "$fm")" = "$sum_a  lib/a-1.0.jar  maven:org/a/1.0/a-1.0.jar  required
$sum_u  lib/u-1.0.jar  maven:org/u/1.0/u-1.0.jar  required
$sum_r  lib/renamed.jar  maven:org/r/1.0/r-1.0.jar  required
$sum_v  lib/v-1.0.jar  maven:org/v/1.0/v-1.0.jar  required" -a "$(grep -c '^# pinned on first use ' "$fm")" -eq 2
check "--from --pin: the comment names the local copy" \
    test "$(comment_above "$fm" "$sum_u" | sed 's/ [0-9-]* (UTC)/ DAY (UTC)/')" = "# pinned on first use DAY (UTC) from local copy $loc/u-1.0.jar"
check "--from --pin: the pinned ones verified from their copies (DESTINATION's name accepted)" \
    test "$(sha "$work/dest-from/lib/a-1.0.jar") $(sha "$work/dest-from/lib/renamed.jar") $(sha "$work/dest-from/lib/u-1.0.jar")" = "$sum_a $sum_r $sum_u"
check "--from --pin: no temporary file left" no_partials_in "$work/dest-from"
cp "$fm" "$work/from.pinned"

loc2=$work/local2
mkdir -p "$loc2"; cp "$loc/u-1.0.jar" "$loc/v-1.0.jar" "$loc2/"
n=$(gets)
rc=0; DEPS_FROM=$loc2 "$fetch" --manifest "$fm" --dest "$work/dest-from2" > /dev/null 2> "$work/from-fallback.err" || rc=$?
check "DEPS_FROM with some files missing: exit 0" test "$rc" -eq 0
check "DEPS_FROM with some files missing: those downloaded (2 requests), the copy used" \
    test "$(gets)" -eq $((n + 2)) -a "$(sha "$work/dest-from2/lib/u-1.0.jar")" = "$sum_u"
check "DEPS_FROM with some files missing: says it falls back to the download" \
    grep -qF "lib/a-1.0.jar: no local copy in $loc2 (looked for a-1.0.jar and a-1.0.jar); downloading $base/maven/org/a/1.0/a-1.0.jar" "$work/from-fallback.err"

bad_loc=$work/local-bad
mkdir -p "$bad_loc"; head -c 200000 /dev/urandom > "$bad_loc/a-1.0.jar"
n=$(gets)
fd from-bad "$fm" "$work/dest-bad" --from "$bad_loc"
check "--from with a wrong file: exit 1" test "$rc" -eq 1
check "--from with a wrong file: CHECKSUM MISMATCH for the local copy" \
    grep -qF "lib/a-1.0.jar: CHECKSUM MISMATCH for local copy $bad_loc/a-1.0.jar" "$work/from-bad.err"
check "--from with a wrong file: nothing written, no request" test ! -e "$work/dest-bad/lib/a-1.0.jar" -a "$(gets)" -eq "$n"
check "--from with a wrong file: manifest unchanged" same "$fm" "$work/from.pinned"
check "--from with a wrong file: no temporary file left" no_partials_in "$work/dest-bad"
fd from-bad-pin "$fm" "$work/dest-bad" --from "$bad_loc" --pin
check "--from --pin with a wrong copy of a pinned artifact: exit 1, nothing written" \
    test "$rc" -eq 1 -a ! -e "$work/dest-bad/lib/a-1.0.jar"
check "--from --pin with a wrong copy of a pinned artifact: manifest unchanged" same "$fm" "$work/from.pinned"

# 14. --offline: downloads nothing; what is neither in place nor in --from DIR fails the run.
mkdir -p "$work/empty"
n=$(gets)
fd offline-missing "$fm" "$work/dest-off" --offline --from "$work/empty"
check "--offline, files missing: exit 1" test "$rc" -eq 1
check "--offline, files missing: no request at all" test "$(gets)" -eq "$n"
check "--offline, files missing: each named as not available offline" \
    test "$(grep -c 'NOT AVAILABLE OFFLINE' "$work/offline-missing.err")" -eq 4
check "--offline, files missing: the summary lists them" \
    grep -qF -- '--offline: not available locally: lib/a-1.0.jar lib/u-1.0.jar lib/renamed.jar lib/v-1.0.jar' "$work/offline-missing.err"
check "--offline, files missing: nothing written" test -z "$(find "$work/dest-off" -type f -print -quit)"
rc=0; DEPS_OFFLINE=1 "$fetch" --manifest "$fm" --dest "$work/dest-off" --from "$loc" > /dev/null 2>&1 || rc=$?
check "--offline (DEPS_OFFLINE=1) with every file in --from DIR: exit 0, no request" test "$rc" -eq 0 -a "$(gets)" -eq "$n"
rc=0; "$fetch" --manifest "$fm" --dest "$work/dest-off" --offline > /dev/null 2>&1 || rc=$?
check "--offline with every file in place and verified: exit 0, no request" test "$rc" -eq 0 -a "$(gets)" -eq "$n"
rc=0; "$fetch" --manifest "$fm" --dest "$work/dest-off" --from "$work/no-such-dir" > /dev/null 2>&1 || rc=$?
check "--from a missing folder: exit 2" test "$rc" -eq 2

# 15. sha1=: checked before an UNPINNED entry is pinned (and on every fetch); a mismatch pins nothing.
s1=$work/sha1.sha256
printf '%s\n' "$sum_a  lib/a-1.0.jar  maven:org/a/1.0/a-1.0.jar  required" \
    "UNPINNED  lib/h-1.0.jar  maven:org/h/1.0/h-1.0.jar  optional  sha1=$sha1_h" > "$s1"
cp "$s1" "$work/sha1.orig"
fd sha1-notasked "$s1" "$work/dest-h" --pin
check "optional UNPINNED, --pin without --with-optional: exit 0, not requested" test "$rc" -eq 0 -a "$(gets_of /maven/org/h/)" -eq 0
check "optional UNPINNED, --pin without --with-optional: not pinned" same "$s1" "$work/sha1.orig"
sed "s/sha1=$sha1_h/sha1=$zero40/" "$work/sha1.orig" > "$work/sha1-wrong.sha256"
cp "$work/sha1-wrong.sha256" "$work/sha1-wrong.orig"
fd sha1-wrong "$work/sha1-wrong.sha256" "$work/dest-h" --pin --with-optional
check "wrong sha1=: exit 1" test "$rc" -eq 1
check "wrong sha1=: SHA-1 MISMATCH" grep -q 'lib/h-1.0.jar: SHA-1 MISMATCH' "$work/sha1-wrong.err"
check "wrong sha1=: the message has the actual SHA-1" grep -qF "actual   sha1 $sha1_h" "$work/sha1-wrong.err"
check "wrong sha1=: nothing written" test ! -e "$work/dest-h/lib/h-1.0.jar"
check "wrong sha1=: manifest unchanged" same "$work/sha1-wrong.sha256" "$work/sha1-wrong.orig"
check "wrong sha1=: no temporary file left" no_partials_in "$work/dest-h" "$work"
fd sha1-pin "$s1" "$work/dest-h" --pin --with-optional
check "right sha1=, --pin --with-optional: exit 0" test "$rc" -eq 0
check "right sha1=: pinned with the sha256, the sha1= field kept" \
    grep -qx "$sum_h  lib/h-1.0.jar  maven:org/h/1.0/h-1.0.jar  optional  sha1=$sha1_h" "$s1"
check "right sha1=: the block shows the matching sha1" grep -qF "sha1    $sha1_h (equal to the manifest's sha1=)" "$work/sha1-pin.err"
check "right sha1=: the file in place" test "$(sha "$work/dest-h/lib/h-1.0.jar")" = "$sum_h"
# A pin whose sha256 matches but whose sha1= does not: the file is not accepted, even in place.
sed "s/sha1=$sha1_h/sha1=$zero40/" "$s1" > "$work/sha1-both.sha256"
fd sha1-both "$work/sha1-both.sha256" "$work/dest-h" --with-optional
check "sha256 pin right but sha1= wrong: exit 1, SHA-1 MISMATCH" \
    test "$rc" -eq 1 -a -n "$(grep -l 'lib/h-1.0.jar: SHA-1 MISMATCH' "$work/sha1-both.err")"
# Without sha1sum and sha256sum on PATH, python's hashlib does both checks.
nohash=$(path_without sha1sum sha256sum)
check "test setup: no sha1sum/sha256sum on the filtered PATH" test -z "$(PATH=$nohash command -v sha1sum sha256sum || true)"
rc=0; PATH=$nohash "$fetch" --manifest "$s1" --dest "$work/dest-h2" --with-optional > /dev/null 2>&1 || rc=$?
check "hashlib fallback: right sha1= and sha256 accepted" test "$rc" -eq 0 -a "$(sha "$work/dest-h2/lib/h-1.0.jar")" = "$sum_h"
rm -r "$work/dest-h2"
rc=0; PATH=$nohash "$fetch" --manifest "$work/sha1-both.sha256" --dest "$work/dest-h2" --with-optional > /dev/null 2>&1 || rc=$?
check "hashlib fallback: wrong sha1= refused (exit 1, nothing written)" test "$rc" -eq 1 -a ! -e "$work/dest-h2/lib/h-1.0.jar"
printf '%s\n' "UNPINNED  lib/h.jar  maven:org/h/1.0/h-1.0.jar  optional  sha1=XYZ" > "$work/sha1-bad.sha256"
rc=0; "$fetch" --manifest "$work/sha1-bad.sha256" --dest "$work/dest-h" > /dev/null 2>&1 || rc=$?
check "malformed sha1= field: exit 2" test "$rc" -eq 2

# 16. The real manifest (read only: it names remote URLs) is well-formed and pins the required jars.
real=$here/../deps.sha256
check "real manifest: every pin is 64 hex digits or UNPINNED" \
    test -z "$(grep -v '^[[:space:]]*\(#\|$\)' "$real" | grep -Ev '^([0-9a-f]{64}|UNPINNED) ')"
check "real manifest: commons-lang 2.6 and commons-logging 1.2 are required" \
    test "$(grep -cE '^[0-9a-f]{64} +lib/commons-(lang-2\.6|logging-1\.2)\.jar .* required$' "$real")" -eq 2

check "real manifest: the Hadoop jar is optional, UNPINNED, with Maven Central's sha1" \
    grep -qE '^UNPINNED +lib/flink-shaded-hadoop-2-uber-2\.8\.3-10\.0\.jar .* optional +sha1=5dd57b5d38965c0f70e3f63d2581755df6c296bb$' "$real"
check "real manifest: the Chunjun archive is still UNPINNED" grep -qE '^UNPINNED +chunjun/chunjun-dist-1\.12-SNAPSHOT\.tar\.gz ' "$real"
# It parses: an --offline run into an empty folder fails for the missing files (1), not the manifest (2).
n=$(gets)
rc=0; "$fetch" --manifest "$real" --dest "$work/dest-real" --offline > /dev/null 2> "$work/real.err" || rc=$?
check "real manifest: parsed (an --offline run exits 1, not 2), no request" test "$rc" -eq 1 -a "$(gets)" -eq "$n"
check "real manifest: --offline names both required jars as not available" \
    grep -qF -- '--offline: not available locally: lib/commons-lang-2.6.jar lib/commons-logging-1.2.jar' "$work/real.err"

echo "fetch-deps: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
