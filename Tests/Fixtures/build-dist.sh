#!/usr/bin/env bash
# Builds the FIXTURE chunjun-dist used by the integration tests against real Flink clusters.
#
#   Tests/Fixtures/build-dist.sh [--core-size-mb N] FLINK_LIB_DIR OUT_DIR
#
# FLINK_LIB_DIR: a Flink home's lib/ to compile against (only its top-level *.jar: a copy of
#   chunjun-dist under lib/ must not end up on the compile classpath).
# OUT_DIR: gets OUT_DIR/chunjun-dist/ (layout below). Nothing else in OUT_DIR is touched except
#   OUT_DIR/.chunjun-dist.stamp and OUT_DIR/.chunjun-dist.lock.
# --core-size-mb N: add N MiB of random bytes to chunjun-core.jar as one STORED (uncompressed)
#   entry, for upload memory benchmarks. Default 0.
#
# Layout:
#   chunjun-dist/chunjun-core.jar                                   (Main-Class com.dtstack.chunjun.Main)
#   chunjun-dist/connector/stream/chunjun-connector-stream.jar
#   chunjun-dist/connector/stream/mysql-connector-java-fixture.jar  (not chunjun*: must be ignored)
#   chunjun-dist/metrics/prometheus/chunjun-metrics-prometheus.jar
#   chunjun-dist/formats/chunjun-format-fixture.jar
#
# Two flavours from the SAME sources, chosen by the version in FLINK_LIB_DIR's flink-dist*.jar
# name (flink-dist_2.11-1.12.5.jar, flink-dist-1.20.3.jar, flink-dist-2.2.1.jar):
#   1.x: compiled as is with --release 8; one build runs on Flink 1.12 through 1.20.
#   2.x: Flink 2.0 moved the legacy SourceFunction, RichParallelSourceFunction, SinkFunction and
#        RichSinkFunction to ...functions.source.legacy / ...functions.sink.legacy (addSource and
#        addSink take those types), and its jars are Java 11 class files, which javac --release 8
#        cannot read. So the sources are copied to the work dir, those four fully qualified names
#        are rewritten to their legacy packages (sed; the sources always spell them out in full),
#        and everything is compiled with --release 11. A 2.x dist runs on 2.x only.
#   The sources avoid the other 2.x breaks themselves: no open(Configuration) (2.x has
#   open(OpenContext)), set-up happens in initializeState()/run() or on the first record; no
#   RuntimeContext.getIndexOfThisSubtask() (2.x: getTaskInfo()), a small reflection helper in
#   the connector jar (connector-stream/.../util/Subtasks.java) reads whichever exists.
# The build is skipped when the stamp (sources, this script, the Flink jars, N) is unchanged.
set -euo pipefail

die() { echo "build-dist.sh: $*" >&2; exit 2; }

pad_mb=0
positional=()
while [ $# -gt 0 ]; do
    case "$1" in
        --core-size-mb) [ $# -ge 2 ] || die "--core-size-mb needs a number"; pad_mb=$2; shift 2 ;;
        --core-size-mb=*) pad_mb=${1#*=}; shift ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) positional+=("$1"); shift ;;
    esac
done
[ ${#positional[@]} -eq 2 ] || die "usage: build-dist.sh [--core-size-mb N] FLINK_LIB_DIR OUT_DIR"
[[ $pad_mb =~ ^[0-9]+$ ]] || die "--core-size-mb must be a whole number of MiB"
flink_lib=${positional[0]}
out_dir=${positional[1]}
[ -d "$flink_lib" ] || die "FLINK_LIB_DIR $flink_lib is not a directory"

java_home=${JAVA_HOME:-/usr/lib/jvm/java-17-openjdk-amd64}
javac=$java_home/bin/javac
jar=$java_home/bin/jar
[ -x "$javac" ] && [ -x "$jar" ] || die "no javac/jar under $java_home (set JAVA_HOME to a JDK)"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$here/java

# Top level only (see above); sorted so the classpath and the stamp are stable.
flink_jars=$(find -H "$flink_lib" -maxdepth 1 -name '*.jar' \( -type f -o -type l \) | LC_ALL=C sort)
[ -n "$flink_jars" ] || die "no *.jar directly in $flink_lib"
flink_cp=$(printf '%s\n' "$flink_jars" | paste -sd: -)

# The flavour (see the header) from the flink-dist jar's name.
flink_dist_jar=$(printf '%s\n' "$flink_jars" | grep -E '/flink-dist[^/]*\.jar$' | head -n 1 || true)
[ -n "$flink_dist_jar" ] || die "no flink-dist*.jar directly in $flink_lib (cannot tell the Flink version)"
[[ $(basename "$flink_dist_jar") =~ ^flink-dist(_[0-9.]+)?-([0-9]+)\.([0-9]+)[.-] ]] \
    || die "cannot read a Flink version from $(basename "$flink_dist_jar")"
flink_major=${BASH_REMATCH[2]}
if [ "$flink_major" -ge 2 ]; then
    flavour=2.x
    release=11
else
    flavour=1.x
    release=8
fi

mkdir -p "$out_dir"
out_dir=$(cd "$out_dir" && pwd)
dist=$out_dir/chunjun-dist
stamp_file=$out_dir/.chunjun-dist.stamp

# Test processes may build the same OUT_DIR at once: one at a time, the others then find it
# up to date.
exec 9> "$out_dir/.chunjun-dist.lock"
flock 9

# What the output depends on: every source file (path and content), this script, the Flink jars
# (name and size) and the padding. Same stamp and an existing dist → nothing to do.
stamp=$(
    {
        echo "pad=$pad_mb java=$java_home"
        (cd "$src" && find . -type f -name '*.java' | LC_ALL=C sort | xargs sha256sum)
        sha256sum < "${BASH_SOURCE[0]}"
        printf '%s\n' "$flink_jars" | while IFS= read -r j; do echo "$(basename "$j") $(stat -L -c %s "$j")"; done
    } | sha256sum | cut -d' ' -f1
)
if [ -d "$dist" ] && [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
    echo "build-dist.sh: $dist is up to date"
    exit 0
fi

# Build beside the target (same file system) so the final step is a rename.
work=$(mktemp -d "$out_dir/.chunjun-dist.build.XXXXXX")
trap 'rm -rf "$work"' EXIT

if [ "$flavour" = 2.x ]; then
    # The legacy function types under their 2.x names (see the header). Every other line stays
    # as it is; a leftover old name would fail below rather than at run time.
    cp -R "$src" "$work/src"
    src=$work/src
    find "$src" -name '*.java' -exec sed -i -E \
        -e 's/org\.apache\.flink\.streaming\.api\.functions\.source\.(SourceFunction|RichParallelSourceFunction)\b/org.apache.flink.streaming.api.functions.source.legacy.\1/g' \
        -e 's/org\.apache\.flink\.streaming\.api\.functions\.sink\.(SinkFunction|RichSinkFunction)\b/org.apache.flink.streaming.api.functions.sink.legacy.\1/g' \
        {} +
    if grep -rEn 'org\.apache\.flink\.streaming\.api\.functions\.(source|sink)\.[A-Z]' "$src" >&2; then
        die "non-legacy source/sink function names left after the 2.x rewrite (above)"
    fi
fi

# A fixed entry date makes the jars byte-identical between builds (jar ids and hashes stay put).
jar_date=(--date=2020-01-01T00:00:00Z)
"$jar" --help 2>&1 | grep -q -- '--date' || jar_date=()

compile() { # output-name classpath source-module...
    local name=$1 cp=$2
    shift 2
    mkdir -p "$work/classes/$name"
    : > "$work/$name.sources"
    for module in "$@"; do
        find "$src/$module" -name '*.java' | LC_ALL=C sort >> "$work/$name.sources"
    done
    "$javac" --release "$release" -encoding UTF-8 -Xlint:-options ${cp:+-cp "$cp"} \
        -d "$work/classes/$name" "@$work/$name.sources"
}

make_jar() { # jar-path jar-args...
    local target=$1
    shift
    mkdir -p "$(dirname "$target")"
    "$jar" --create --file "$target" "${jar_date[@]}" "$@"
}

# Each connector and marker jar needs only Flink: the core finds them by name and calls them by
# reflection, so none links against chunjun-core.jar (compiled apart so none can by accident).
# javac start-up dominates the time: the three one-class marker jars share one javac run.
compile core "$flink_cp" core
compile connector-stream "$flink_cp" connector-stream
compile markers "" metrics-prometheus format-fixture mysql-driver-fixture

new=$work/chunjun-dist
c=$work/classes
make_jar "$new/chunjun-core.jar" --main-class com.dtstack.chunjun.Main -C "$c/core" .
make_jar "$new/connector/stream/chunjun-connector-stream.jar" -C "$c/connector-stream" .
make_jar "$new/connector/stream/mysql-connector-java-fixture.jar" -C "$c/markers" com/mysql
make_jar "$new/metrics/prometheus/chunjun-metrics-prometheus.jar" -C "$c/markers" com/dtstack/chunjun/metrics
make_jar "$new/formats/chunjun-format-fixture.jar" -C "$c/markers" com/dtstack/chunjun/format

if [ "$pad_mb" -gt 0 ]; then
    # Random bytes do not compress, and --no-compress stores the entry as is: the jar grows by
    # N MiB exactly (plus headers), however the benchmark transfers it.
    mkdir -p "$work/pad/fixture-padding"
    head -c $((pad_mb * 1024 * 1024)) /dev/urandom > "$work/pad/fixture-padding/random-${pad_mb}MiB.bin"
    "$jar" --update --no-compress --file "$new/chunjun-core.jar" -C "$work/pad" fixture-padding
fi

# Swap in the new tree; the old one (if any) goes away with $work.
if [ -e "$dist" ]; then
    mv "$dist" "$work/old-chunjun-dist"
fi
mv "$new" "$dist"
echo "$stamp" > "$stamp_file"
echo "build-dist.sh: built $dist (Flink $flavour flavour, --release $release)"
