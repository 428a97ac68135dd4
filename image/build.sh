#!/usr/bin/env bash
# What `make image` runs: says what it is about to build, checks that a Docker engine answers,
# fetches the dependencies (image/fetch-deps.sh), then runs docker build from the repository root.
#
#   image/build.sh [--target standalone|session] [--tag NAME:TAG] [--pin] [--from DIR] [--offline]
#                  [--with-optional] [--swift-image IMAGE] [--flink-image IMAGE] [--dry-run]
#
# - First a summary: target and tag, base images (the Dockerfile's ARG defaults unless overridden),
#   versions (Flink from the Flink image's tag, Chunjun from the manifest's chunjun: source,
#   submitjob from git describe), and each artifact of the manifest: pinned, pinned on first use,
#   UNPINNED, or optional and not requested.
# - Then, before anything is fetched, the engine check: no `docker` on PATH, or `docker info`
#   failing, stops here (exit 4). image/fetch-deps.sh alone needs no Docker.
# - --pin, --from, --offline and --with-optional go to image/fetch-deps.sh (see its header).
# - --dry-run: the summary, the engine's state, and the two commands, run neither (fetches nothing).
#
# Environment: DEPS_MANIFEST and DEPS_DEST as for fetch-deps.sh (the summary lists that manifest).
# Exit codes: 0 ok; 1, 2, 3 from fetch-deps.sh (download or verification, usage or manifest,
# unpinned required); 2 also for a usage error here; 4 no Docker engine; 5 docker build failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
target=standalone tag='' swift_image='' flink_image='' dry_run=0
fetch_args=()

say() { printf 'make image: %s\n' "$*" >&2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }
# absolute PATH: the build runs from the repository root, so paths given relative to the caller's
# folder are resolved first.
absolute() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }

while [ $# -gt 0 ]; do
    case $1 in
        --target) [ $# -ge 2 ] || usage; target=$2; shift ;;
        --tag) [ $# -ge 2 ] || usage; tag=$2; shift ;;
        --pin|--offline|--with-optional) fetch_args+=("$1") ;;
        --from) [ $# -ge 2 ] || usage
                [ -d "$2" ] || { say "--from $2: not a directory"; exit 2; }
                fetch_args+=(--from "$(cd "$2" && pwd)"); shift ;;
        --swift-image) [ $# -ge 2 ] || usage; swift_image=$2; shift ;;
        --flink-image) [ $# -ge 2 ] || usage; flink_image=$2; shift ;;
        --dry-run) dry_run=1 ;;
        -h|--help) usage 0 ;;
        *) say "unknown argument: $1"; usage ;;
    esac
    shift
done
case $target in standalone|session) ;; *) say "--target must be standalone or session, not $target"; exit 2 ;; esac
[ -n "$tag" ] || tag=submitjob-flink:$target
manifest=$(absolute "${DEPS_MANIFEST:-$here/deps.sha256}")
[ -r "$manifest" ] || { say "cannot read the manifest $manifest"; exit 2; }
export DEPS_MANIFEST=$manifest
if [ -n "${DEPS_DEST:-}" ]; then DEPS_DEST=$(absolute "$DEPS_DEST"); export DEPS_DEST; fi
has() { local a; for a in "${fetch_args[@]}"; do [ "$a" = "$1" ] && return 0; done; return 1; }

cd "$root"
dockerfile=image/Dockerfile
arg_default() { sed -n "s/^ARG $1=//p" "$dockerfile" | head -n 1; }
build_args=()
swift_shown="$(arg_default SWIFT_IMAGE) (Dockerfile default)"
flink_used=$(arg_default FLINK_IMAGE)
flink_shown="$flink_used (Dockerfile default)"
if [ -n "$swift_image" ]; then build_args+=(--build-arg "SWIFT_IMAGE=$swift_image"); swift_shown="$swift_image (override)"; fi
if [ -n "$flink_image" ]; then
    build_args+=(--build-arg "FLINK_IMAGE=$flink_image"); flink_used=$flink_image; flink_shown="$flink_image (override)"
fi
docker_cmd=(docker build -f "$dockerfile" --target "$target" -t "$tag" "${build_args[@]}" .)
fetch_cmd=(image/fetch-deps.sh "${fetch_args[@]}")

# --- The summary.
flink_version=$(printf '%s\n' "$flink_used" | sed -n 's/^[^:]*:\([0-9][0-9.]*[0-9]\).*/\1/p')
chunjun_version=$(sed -n 's/^[^#]*[[:space:]]chunjun:v\([0-9][0-9.]*[0-9]\)\/.*/\1/p' "$manifest" | head -n 1)
submitjob_version=$(git describe --tags --always --dirty 2>/dev/null) || submitjob_version="unknown (not a git checkout)"
case $manifest in "$root"/*) manifest_shown=${manifest#"$root"/} ;; *) manifest_shown=$manifest ;; esac

echo "make image: about to build $tag"
echo "  target        $target ($dockerfile)"
echo "  builder image $swift_shown"
echo "  Flink image   $flink_shown"
echo "  versions      Flink ${flink_version:-unknown}, Chunjun ${chunjun_version:-unknown}, submitjob $submitjob_version"
echo "  artifacts     ($manifest_shown)"
# One line per entry; the comment line right above an entry tells whether it was pinned on first use.
prev=''
while IFS= read -r line || [ -n "$line" ]; do
    case $line in '#'*) prev=$line; continue ;; esac
    read -r -a f <<< "$line"
    if [ "${#f[@]}" -lt 4 ]; then prev=''; continue; fi
    sha1='' note=''
    case " ${f[*]:4} " in *' sha1='*) sha1=', sha1 checked' ;; esac
    if [ "${f[3]}" = optional ] && ! has --with-optional; then note=' (optional, not requested: WITH_OPTIONAL=1)'; fi
    if [ "${f[0]}" != UNPINNED ]; then
        case $prev in
            '# pinned on first use '*) state="pinned on first use ${prev#\# pinned on first use }" ;;
            *) state=pinned ;;
        esac
    elif [ -n "$note" ]; then
        state=UNPINNED
    elif has --pin; then
        state="UNPINNED: will be pinned on first use (PIN=1)"
    else
        state="UNPINNED (${f[3]}: fetch-deps refuses it; PIN=1 pins it on first use)"
    fi
    printf '    %-48s %s%s%s\n' "${f[1]}" "$state" "$note" "$sha1"
    prev=''
done < "$manifest"
echo "  fetch         ${fetch_cmd[*]}"
echo "  build         ${docker_cmd[*]}"

# --- The engine, before anything is fetched: a missing engine found after a long download wastes it.
engine_problem=''
if ! command -v docker >/dev/null 2>&1; then
    engine_problem="\`docker\` is not on PATH"
else
    info_cmd=(docker info)
    command -v timeout >/dev/null 2>&1 && info_cmd=(timeout 60 docker info)
    if ! info_err=$("${info_cmd[@]}" 2>&1 >/dev/null); then
        engine_problem="\`docker info\` failed: $(printf '%s\n' "$info_err" | grep . | tail -n 1 || echo 'no message')"
    fi
fi
if [ "$dry_run" = 1 ]; then
    if [ -n "$engine_problem" ]; then say "dry run: no Docker engine ($engine_problem)"; else say "dry run: the Docker engine answers"; fi
    say "dry run: would run: ${fetch_cmd[*]}"
    say "dry run: would run: ${docker_cmd[*]}"
    exit 0
fi
if [ -n "$engine_problem" ]; then
    say "no Docker engine: $engine_problem"
    say "  make image needs one; image/fetch-deps.sh alone works without Docker. Nothing was fetched."
    exit 4
fi

# --- Fetch, then build.
rc=0
"$here/fetch-deps.sh" "${fetch_args[@]}" || rc=$?
if [ "$rc" -ne 0 ]; then say "image/fetch-deps.sh failed (exit $rc); not building"; exit "$rc"; fi
say "running: ${docker_cmd[*]}"
rc=0
"${docker_cmd[@]}" || rc=$?
if [ "$rc" -ne 0 ]; then say "docker build failed (exit $rc)"; exit 5; fi
say "built $tag"
