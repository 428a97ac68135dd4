#!/usr/bin/env bash
# Tests image/Dockerfile without a Docker engine: hadolint (every finding fails, at any level, and
# any inline ignore must give its reason), the facts the image promises (stages, pins, build flags,
# ENV, paths), and the standalone target's symlink-tree decision against Flink's own classpath rule.
# Needs HADOLINT (run.sh sets it). Prints ok/FAIL per check; exits non-zero on any FAIL.
# The patterns here match the Dockerfile's literal "$VAR" text: single quotes on purpose.
# shellcheck disable=SC2016
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
image=$(cd "$here/.." && pwd)
repo=$(cd "$image/.." && pwd)
dockerfile=$image/Dockerfile
hadolint=${HADOLINT:-hadolint}

work=$(mktemp -d "${TMPDIR:-/tmp}/test-dockerfile.XXXXXX")
trap 'rm -rf "$work"' EXIT

# shellcheck source=image/test/checks.sh
. "$(dirname "$0")/checks.sh"
has() { grep -Eq -- "$1" "$dockerfile"; }
# Instructions only, continuation lines joined.
sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$dockerfile" | grep -v '^[[:space:]]*#' > "$work/joined"
hasj() { grep -Eq -- "$1" "$work/joined"; }

# 1. hadolint.
if "$hadolint" --no-color --failure-threshold style "$dockerfile" > "$work/hadolint.out" 2>&1; then lint=0; else lint=1; cat "$work/hadolint.out"; fi
check "hadolint: no finding at any level (style and up)" test "$lint" -eq 0
# hadolint reads nothing after the rule list, so the reason is the comment line just above.
bare_ignores=$(awk '/^#[[:space:]]*hadolint[[:space:]]+ignore=/ && !(previous ~ /^#/ && previous !~ /hadolint/) { print NR } { previous = $0 }' "$dockerfile")
check "hadolint: every inline ignore gives its reason in the comment above it" test -z "$bare_ignores"

# 2. Stages and pins.
check "builder stage from the official swift 6.3 image, pinned to a patch version" hasj '^ARG SWIFT_IMAGE=swift:6\.3\.[0-9]+-[a-z]+$'
check "runtime stage from flink:1.12.7-scala_2.12-java8" hasj '^ARG FLINK_IMAGE=flink:1\.12\.7-scala_2\.12-java8$'
check "stages: builder, session, standalone FROM session" \
    test "$(grep -E '^FROM ' "$work/joined" | tr -s ' ' | tr '\n' '|')" = 'FROM ${SWIFT_IMAGE} AS builder|FROM ${FLINK_IMAGE} AS session|FROM session AS standalone|'
check "the builder installs libyaml-dev (its libyaml.a is linked in)" hasj 'apt-get install -y --no-install-recommends libyaml-dev'
release_build=$(sed -n 's/^RELEASE_FLAGS *:= */swift build /p' "$repo/Makefile")
check "builds with make build's release flags ($release_build)" eval 'test -n "$release_build" && hasj "$release_build"'
check "refuses a dynamically linked binary" hasj "Requesting program interpreter"

# 3. What goes where.
check "submitjob at /usr/local/bin/submitjob" hasj '^COPY --from=builder /out/submitjob /usr/local/bin/submitjob$'
check "chunjun-dist at /opt/chunjun/chunjun-dist" hasj '^COPY image/chunjun/chunjun-dist/ /opt/chunjun/chunjun-dist/$'
check "every jar of image/lib/ into /opt/flink/lib" hasj '^COPY image/lib/\*\.jar /opt/flink/lib/$'
check "image/plugins/ into /opt/flink/plugins" hasj '^COPY image/plugins/ /opt/flink/plugins/$'
for kv in FLINK_HOME=/opt/flink FLINK_CONF_DIR=/opt/flink/conf CHUNJUN_HOME=/opt/chunjun CHUNJUN_DIST=/opt/chunjun/chunjun-dist; do
    check "ENV $kv" hasj "^ENV (.* )?${kv}( |$)"
done
check "submitjob reads CHUNJUN_DIST and CHUNJUN_HOME (so the ENV is the one it uses)" \
    grep -rq 'Environment.value("CHUNJUN_DIST")' "$repo/Sources"
check "the build checks the required jars and the dist" hasj 'test -f "\$FLINK_HOME/lib/commons-lang-2\.6\.jar".*commons-logging-1\.2\.jar.*chunjun-core'
check "default command: the cluster in the foreground" hasj '^CMD \["submitjob-cluster"\]$'
cluster=$image/bin/submitjob-cluster
check "submitjob-cluster is executable" test -x "$cluster"
check "submitjob-cluster starts a TaskManager daemon" grep -q 'taskmanager.sh" start$' "$cluster"
check "submitjob-cluster execs the JobManager in the foreground" grep -q '^exec .*jobmanager.sh" start-foreground' "$cluster"
copy_sources_ok() {
    local src
    while read -r src; do
        case $src in
            image/chunjun/chunjun-dist/) grep -q 'unpack=chunjun/chunjun-dist' "$image/deps.sha256" || { echo "nothing makes $src"; return 1; } ;;
            'image/lib/*.jar') grep -Eq '^[0-9a-f]{64} +lib/[^ ]+\.jar .* required' "$image/deps.sha256" || { echo "no required jar"; return 1; } ;;
            *) test -e "$repo/$src" || { echo "missing $src"; return 1; } ;;
        esac
    done < <(grep -E '^COPY ' "$work/joined" | grep -v -- '--from=' | awk '{print $2}')
}
check "every COPY source from the context exists or is made by fetch-deps.sh" copy_sources_ok

# 4. The standalone target's symlink tree, checked with Flink 1.12's own rule (bin/config.sh):
#    find "$FLINK_LIB_DIR" ! -type d -name '*.jar'
mkdir -p "$work/dist/connector/mysql" "$work/lib-tree" "$work/lib-link"
echo core > "$work/dist/chunjun-core.jar"
echo mysql > "$work/dist/connector/mysql/chunjun-connector-mysql.jar"
cp -rs "$work/dist" "$work/lib-tree/chunjun-dist"        # what the Dockerfile does
ln -s "$work/dist" "$work/lib-link/chunjun-dist"          # the rejected alternative
flink_jars() { find "$1" ! -type d -name '*.jar' | sort; }
check "standalone: Flink's classpath rule finds every jar of the symlink tree" \
    test "$(flink_jars "$work/lib-tree" | wc -l)" -eq 2
check "standalone: the tree's entries point at the one real dist" \
    test "$(cat "$work/lib-tree/chunjun-dist/connector/mysql/chunjun-connector-mysql.jar")" = mysql
check "standalone: a single folder symlink would give Flink no jar (why the tree)" \
    test -z "$(flink_jars "$work/lib-link")"
check "standalone: the Dockerfile builds the tree with cp -rs" hasj '^RUN cp -rs "\$CHUNJUN_DIST" "\$FLINK_HOME/lib/chunjun-dist"'
# 5. Which plugin mode each target's submitjob uses: the session target leaves the version's default
#    (a bundle on 1.12.7), the standalone target says cluster, after FROM session, not before it.
check "standalone: sets SUBMITJOB_PLUGINS=cluster in its own stage" \
    bash -c "sed -n '/^FROM session AS standalone/,\$p' '$work/joined' | grep -q '^ENV SUBMITJOB_PLUGINS=cluster\$'"
check "session: leaves the plugin mode to the version (no SUBMITJOB_PLUGINS before the standalone stage)" \
    bash -c "! sed -n '1,/^FROM session AS standalone/p' '$work/joined' | grep -q 'SUBMITJOB_PLUGINS'"

echo "dockerfile: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
