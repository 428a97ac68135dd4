#!/usr/bin/env bash
# Tests `make image` (image/build.sh): the summary first, the early stop without a Docker engine,
# then fetch-deps.sh (against a loopback HTTP server, with a test manifest and destination), then
# docker build. No Docker engine runs here: a fake `docker` first on PATH records its arguments
# and succeeds or fails as told. Prints ok/FAIL per check; exits non-zero on any FAIL.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/image/build.sh

work=$(mktemp -d "${TMPDIR:-/tmp}/test-make-image.XXXXXX")
server_pid=
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# shellcheck source=image/test/checks.sh
. "$(dirname "$0")/checks.sh"
line_of() { { grep -nF -m 1 -- "$1" "$2" || true; } | cut -d: -f1; }   # line_of TEXT FILE: first line holding TEXT

# --- What the server serves, and the test manifest: one pinned jar, an UNPINNED required archive
#     (its source names Chunjun's version), an UNPINNED optional jar.
srv=$work/srv dest=$work/dest
mkdir -p "$srv/maven/org/a/1.0" "$srv/maven/org/o/1.0" "$srv/chunjun/v9.8.7" "$work/tree/dist" "$dest"
head -c 20000 /dev/urandom > "$srv/maven/org/a/1.0/a-1.0.jar"
head -c 3000 /dev/urandom > "$srv/maven/org/o/1.0/o-1.0.jar"
echo core > "$work/tree/dist/chunjun-core.jar"
tar -czf "$srv/chunjun/v9.8.7/dist.tar.gz" -C "$work/tree" dist
sum_a=$(sha "$srv/maven/org/a/1.0/a-1.0.jar")
sum_d=$(sha "$srv/chunjun/v9.8.7/dist.tar.gz")
manifest=$work/deps.sha256
printf '%s\n' "# test manifest" \
    "$sum_a  lib/a-1.0.jar  maven:org/a/1.0/a-1.0.jar  required" \
    "UNPINNED  chunjun/dist.tar.gz  chunjun:v9.8.7/dist.tar.gz  required  unpack=chunjun/chunjun-dist" \
    "UNPINNED  lib/o-1.0.jar  maven:org/o/1.0/o-1.0.jar  optional" > "$manifest"
cp "$manifest" "$work/deps.orig"

serve "$srv"

# --- The fake docker: records each call, prints a marker on stderr, exits as told.
fakebin=$work/fakebin
mkdir -p "$fakebin"
cat > "$fakebin/docker" <<'SH'
#!/usr/bin/env bash
printf '%s\n' "$*" >> "$FAKE_DOCKER_LOG"
echo "FAKE-DOCKER $*" >&2
case ${1:-} in
    info) [ "${FAKE_DOCKER_INFO_RC:-0}" = 0 ] || echo "Cannot connect to the fake Docker daemon" >&2
          exit "${FAKE_DOCKER_INFO_RC:-0}" ;;
    build) exit "${FAKE_DOCKER_BUILD_RC:-0}" ;;
esac
SH
chmod +x "$fakebin/docker"

export MAVEN_BASE_URL=$base/maven CHUNJUN_BASE_URL=$base/chunjun DEPS_MANIFEST=$manifest DEPS_DEST=$dest
export FAKE_DOCKER_LOG=$work/docker.log
unset WITH_OPTIONAL DEPS_FROM DEPS_PIN DEPS_OFFLINE FETCH_TOOL TARGET IMAGE PIN FROM OFFLINE DRY_RUN SWIFT_IMAGE FLINK_IMAGE
withfake=$fakebin:$PATH
: > "$FAKE_DOCKER_LOG"
nothing_fetched() { [ "$(gets)" -eq 0 ] && [ -z "$(find "$dest" -mindepth 1 -print -quit)" ]; }
# mk LOGNAME PATH MAKE-ARGS...: `make image` from the repository root, the outer make's flags dropped;
# stdout and stderr in one log, in order. Sets rc.
mk() {
    rc=0
    PATH=$2 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$root" image "${@:3}" > "$work/$1.log" 2>&1 || rc=$?
}

# 1. No docker on PATH: stops before fetching anything, after the summary.
nodocker=$(path_without docker)
check "test setup: no docker on the filtered PATH" test -z "$(PATH=$nodocker command -v docker || true)"
mk nodocker "$nodocker" PIN=1
check "no docker: make fails with image/build.sh's exit 4" test "$rc" -ne 0 -a -n "$(grep -l '\] Error 4$' "$work/nodocker.log")"
# shellcheck disable=SC2016  # the backquotes are the message's own
check "no docker: says there is no Docker engine, docker not on PATH" grep -qF 'no Docker engine: `docker` is not on PATH' "$work/nodocker.log"
check "no docker: says make image needs one and fetch-deps.sh alone does not" \
    grep -qF 'make image needs one; image/fetch-deps.sh alone works without Docker' "$work/nodocker.log"
check "no docker: the summary came first" test -n "$(line_of 'about to build' "$work/nodocker.log")"
check "no docker: nothing fetched (no request, nothing in the destination)" nothing_fetched
check "no docker: manifest unchanged (not pinned)" cmp -s "$manifest" "$work/deps.orig"

# 2. docker present but `docker info` fails (no engine behind it): same early stop.
FAKE_DOCKER_INFO_RC=1 mk noengine "$withfake" PIN=1
check "docker info fails: make fails with exit 4" test "$rc" -ne 0 -a -n "$(grep -l '\] Error 4$' "$work/noengine.log")"
# shellcheck disable=SC2016  # the backquotes are the message's own
check "docker info fails: says so, with docker's message" \
    grep -qF 'no Docker engine: `docker info` failed: Cannot connect to the fake Docker daemon' "$work/noengine.log"
check "docker info fails: nothing fetched" nothing_fetched
check "docker info fails: docker asked only for info, no build" test "$(cat "$FAKE_DOCKER_LOG")" = info
check "docker info fails: manifest unchanged" cmp -s "$manifest" "$work/deps.orig"

# 3. An engine, no PIN: fetch-deps refuses the UNPINNED archive (exit 3), no docker build.
: > "$FAKE_DOCKER_LOG"
mk nopin "$withfake"
check "UNPINNED required without PIN=1: make fails with fetch-deps' exit 3" test "$rc" -ne 0 -a -n "$(grep -l '\] Error 3$' "$work/nopin.log")"
check "UNPINNED required without PIN=1: the summary says it is UNPINNED and refused" \
    grep -qE '^    chunjun/dist.tar.gz +UNPINNED \(required: fetch-deps refuses it; PIN=1 pins it on first use\)$' "$work/nopin.log"
check "UNPINNED required without PIN=1: the message names make image PIN=1" grep -qF 'make image PIN=1' "$work/nopin.log"
check "UNPINNED required without PIN=1: no docker build" test "$(grep -c '^build' "$FAKE_DOCKER_LOG" || true)" -eq 0

# 4. make image PIN=1 TARGET=session IMAGE=test-img: summary, then the pin, then the build.
: > "$FAKE_DOCKER_LOG"
mk pin "$withfake" PIN=1 TARGET=session IMAGE=test-img
log=$work/pin.log
check "PIN=1: exit 0" test "$rc" -eq 0
check "summary: what is built" grep -qx 'make image: about to build test-img:session' "$log"
check "summary: the target" grep -qx '  target        session (image/Dockerfile)' "$log"
check "summary: the builder image (the Dockerfile's default)" grep -qx '  builder image swift:6.3.1-noble (Dockerfile default)' "$log"
check "summary: the Flink image (the Dockerfile's default)" grep -qx '  Flink image   flink:1.12.7-scala_2.12-java8 (Dockerfile default)' "$log"
check "summary: versions (Flink from the image tag, Chunjun from the manifest, submitjob from git)" \
    grep -qF "  versions      Flink 1.12.7, Chunjun 9.8.7, submitjob $(git -C "$root" describe --tags --always)" "$log"
check "summary: the pinned jar" grep -qE '^    lib/a-1.0.jar +pinned$' "$log"
check "summary: the UNPINNED archive, to be pinned" grep -qE '^    chunjun/dist.tar.gz +UNPINNED: will be pinned on first use \(PIN=1\)$' "$log"
check "summary: the optional jar, not requested" grep -qE '^    lib/o-1.0.jar +UNPINNED \(optional, not requested: WITH_OPTIONAL=1\)$' "$log"
check "summary: the fetch command" grep -qx '  fetch         image/fetch-deps.sh --pin' "$log"
# (docker info's output is captured by build.sh; that the engine check comes before any fetch is
# what cases 1 and 2 show.)
s=$(line_of 'about to build' "$log") f=$(line_of 'fetch-deps: ' "$log")
p=$(line_of 'PINNED ON FIRST USE: chunjun/dist.tar.gz' "$log") b=$(line_of 'FAKE-DOCKER build' "$log")
check "order: summary, then fetch-deps (the pin), then docker build" \
    test -n "$s" -a -n "$f" -a -n "$p" -a -n "$b" -a "${s:-0}" -lt "${f:-0}" -a "${f:-0}" -le "${p:-0}" -a "${p:-0}" -lt "${b:-0}"
check "docker got: info, then build -f image/Dockerfile --target session -t test-img:session ." \
    test "$(cat "$FAKE_DOCKER_LOG")" = "info
build -f image/Dockerfile --target session -t test-img:session ."
check "PIN=1: the archive pinned in the manifest with the served file's sha256" \
    grep -qx "$sum_d  chunjun/dist.tar.gz  chunjun:v9.8.7/dist.tar.gz  required  unpack=chunjun/chunjun-dist" "$manifest"
check "PIN=1: fetched and unpacked into the destination" test -f "$dest/chunjun/chunjun-dist/chunjun-core.jar"
check "PIN=1: the optional jar neither fetched nor pinned" \
    test ! -e "$dest/lib/o-1.0.jar" -a -n "$(grep -x 'UNPINNED  lib/o-1.0.jar  maven:org/o/1.0/o-1.0.jar  optional' "$manifest")"

# 5. The next make image: the summary says "pinned on first use"; nothing downloaded; default target.
: > "$FAKE_DOCKER_LOG"
n=$(gets)
mk again "$withfake"
check "after the pin: exit 0" test "$rc" -eq 0
check "after the pin: the summary says pinned on first use, with the date and source" \
    grep -qE "^    chunjun/dist.tar.gz +pinned on first use [0-9]{4}-[0-9]{2}-[0-9]{2} \(UTC\) from $base/chunjun/v9.8.7/dist.tar.gz$" "$work/again.log"
check "after the pin: nothing downloaded" test "$(gets)" -eq "$n"
check "after the pin: default target standalone, default tag" \
    test "$(tail -n 1 "$FAKE_DOCKER_LOG")" = "build -f image/Dockerfile --target standalone -t submitjob-flink:standalone ."

# 6. FROM=DIR WITH_OPTIONAL=1 PIN=1: the optional jar pinned from the local copy, no request.
mkdir -p "$work/local"; cp "$srv/maven/org/o/1.0/o-1.0.jar" "$work/local/"
n=$(gets)
mk from "$withfake" PIN=1 FROM="$work/local" WITH_OPTIONAL=1
check "FROM=DIR PIN=1 WITH_OPTIONAL=1: exit 0" test "$rc" -eq 0
check "FROM=DIR: the fetch command has --pin --from DIR --with-optional" \
    grep -qxF "  fetch         image/fetch-deps.sh --pin --from $work/local --with-optional" "$work/from.log"
check "FROM=DIR: no request to the server" test "$(gets)" -eq "$n"
check "FROM=DIR: the optional jar pinned from the local copy" \
    test -n "$(grep -F "from local copy $work/local/o-1.0.jar" "$manifest")" -a "$(sha "$dest/lib/o-1.0.jar")" = "$(sha "$work/local/o-1.0.jar")"

# 7. DRY_RUN=1: summary and both commands, nothing run.
: > "$FAKE_DOCKER_LOG"
cp "$manifest" "$work/deps.before-dry"
rm -rf "$dest"; mkdir -p "$dest"
n=$(gets)
mk dry "$withfake" DRY_RUN=1 OFFLINE=1 TARGET=session FLINK_IMAGE=flink:1.12.5-scala_2.12
check "DRY_RUN=1: exit 0" test "$rc" -eq 0
check "DRY_RUN=1: prints the docker build command (with the FLINK_IMAGE override)" \
    grep -qxF 'make image: dry run: would run: docker build -f image/Dockerfile --target session -t submitjob-flink:session --build-arg FLINK_IMAGE=flink:1.12.5-scala_2.12 .' "$work/dry.log"
check "DRY_RUN=1: prints the fetch command" grep -qxF 'make image: dry run: would run: image/fetch-deps.sh --offline' "$work/dry.log"
check "DRY_RUN=1: the override shows in the summary, Flink's version from it" \
    test -n "$(grep -x '  Flink image   flink:1.12.5-scala_2.12 (override)' "$work/dry.log")" -a -n "$(grep -F 'versions      Flink 1.12.5,' "$work/dry.log")"
check "DRY_RUN=1: no docker build, nothing fetched, manifest unchanged" \
    test "$(grep -c '^build' "$FAKE_DOCKER_LOG" || true)" -eq 0 -a "$(gets)" -eq "$n" -a -z "$(find "$dest" -mindepth 1 -print -quit)" -a -n "$(cmp -s "$manifest" "$work/deps.before-dry" && echo same)"

# 8. docker build fails: exit 5, said so.
FAKE_DOCKER_BUILD_RC=1 mk buildfail "$withfake"
check "docker build failing: make fails with exit 5, said so" \
    test "$rc" -ne 0 -a -n "$(grep -l '\] Error 5$' "$work/buildfail.log")" -a -n "$(grep -l 'docker build failed (exit 1)' "$work/buildfail.log")"

# 9. The real manifest and Dockerfile, dry run (reads them only): the real versions and pins.
: > "$FAKE_DOCKER_LOG"
rc=0
(unset DEPS_MANIFEST DEPS_DEST; PATH=$withfake "$build" --dry-run) > "$work/real.log" 2>&1 || rc=$?
check "real manifest, dry run: exit 0, no docker build" test "$rc" -eq 0 -a "$(grep -c '^build' "$FAKE_DOCKER_LOG" || true)" -eq 0
check "real manifest: Flink 1.12.7 and Chunjun 1.12.8" grep -qF 'versions      Flink 1.12.7, Chunjun 1.12.8, submitjob ' "$work/real.log"
check "real manifest: commons-lang pinned" grep -qE '^    lib/commons-lang-2.6.jar +pinned$' "$work/real.log"
check "real manifest: the Chunjun archive UNPINNED" grep -qE '^    chunjun/chunjun-dist-1.12-SNAPSHOT.tar.gz +UNPINNED ' "$work/real.log"
check "real manifest: the Hadoop jar optional, with its sha1 check" \
    grep -qE '^    lib/flink-shaded-hadoop-2-uber-2.8.3-10.0.jar +UNPINNED \(optional, not requested: WITH_OPTIONAL=1\), sha1 checked$' "$work/real.log"

# 10. Usage errors.
rc=0; PATH=$withfake "$build" --target builder > /dev/null 2>&1 || rc=$?
check "--target other than standalone/session: exit 2" test "$rc" -eq 2
rc=0; PATH=$withfake "$build" --from "$work/no-such-dir" > /dev/null 2>&1 || rc=$?
check "--from a missing folder: exit 2" test "$rc" -eq 2

echo "make-image: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
