#!/usr/bin/env bash
# Downloads what the image needs besides this repository (the Chunjun distribution, extra jars) into
# the build context, each verified against the SHA-256 pinned in a manifest (image/deps.sha256; its
# header documents the format).
#
#   image/fetch-deps.sh [--with-optional] [--manifest FILE] [--dest DIR]
#
# - A file already in place whose SHA-256 matches is not downloaded again.
# - A file in place whose SHA-256 does not match is downloaded again (and said so).
# - Every download goes to a temporary file in the destination folder, is verified, then renamed:
#   a failed or mismatching download leaves nothing behind. A mismatch stops the run.
# - An entry marked UNPINNED is refused: a required one fails the run (exit 3) after the others are
#   fetched, an optional one is skipped with a warning.
#
# Environment: DEPS_MANIFEST, DEPS_DEST, WITH_OPTIONAL=1 (same as the flags); MAVEN_BASE_URL,
# CHUNJUN_BASE_URL and <BASE>_BASE_URL for any other source prefix; FETCH_TOOL=curl|python3 to
# choose the downloader (default: curl when present, else python3).
# Exit codes: 0 ok, 1 download or verification failure, 2 usage or manifest error, 3 unpinned
# required artifact.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
manifest=${DEPS_MANIFEST:-$here/deps.sha256}
dest=${DEPS_DEST:-$here}
with_optional=${WITH_OPTIONAL:-0}
: "${MAVEN_BASE_URL:=https://repo1.maven.org/maven2}"
: "${CHUNJUN_BASE_URL:=https://github.com/DTStack/chunjun/releases/download}"
export MAVEN_BASE_URL CHUNJUN_BASE_URL

say() { printf 'fetch-deps: %s\n' "$*" >&2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }

while [ $# -gt 0 ]; do
    case $1 in
        --with-optional) with_optional=1 ;;
        --manifest) [ $# -ge 2 ] || usage; manifest=$2; shift ;;
        --manifest=*) manifest=${1#*=} ;;
        --dest) [ $# -ge 2 ] || usage; dest=$2; shift ;;
        --dest=*) dest=${1#*=} ;;
        -h|--help) usage 0 ;;
        *) say "unknown argument: $1"; usage ;;
    esac
    shift
done
[ -r "$manifest" ] || { say "cannot read the manifest $manifest"; exit 2; }
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

if [ -z "${FETCH_TOOL:-}" ]; then
    if command -v curl >/dev/null 2>&1; then FETCH_TOOL=curl; else FETCH_TOOL=python3; fi
fi
case $FETCH_TOOL in curl|python3) ;; *) say "FETCH_TOOL must be curl or python3, not $FETCH_TOOL"; exit 2 ;; esac

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    else
        python3 -c 'import hashlib,sys
h=hashlib.sha256()
with open(sys.argv[1],"rb") as f:
    for b in iter(lambda: f.read(1<<20), b""): h.update(b)
print(h.hexdigest())' "$1"
    fi
}

# download URL FILE: fails on any HTTP error; FILE may be partial then (the caller removes it).
download() {
    if [ "$FETCH_TOOL" = curl ]; then
        curl -fsSL --retry 3 --connect-timeout 30 --max-time 3600 -o "$2" "$1"
    else
        python3 - "$1" "$2" <<'PY'
import shutil, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=60) as r, open(sys.argv[2], "wb") as f:
    shutil.copyfileobj(r, f, 1 << 20)
PY
    fi
}

# url_of BASE:PATH -> ${BASE_BASE_URL}/PATH
url_of() {
    local base=${1%%:*} path=${1#*:} var
    var="$(printf '%s' "$base" | tr '[:lower:]-' '[:upper:]_')_BASE_URL"
    if [ -z "${!var:-}" ]; then say "no base URL for source '$base' (set $var)"; return 2; fi
    printf '%s/%s\n' "${!var%/}" "$path"
}

# unpack ARCHIVE DIR: unpacks into a fresh DIR, stripping single top-level folders; records the
# archive's hash in DIR/.fetch-deps-source so a later run redoes it only when the archive changed.
unpack() {
    local archive=$1 dir=$2 sum=$3 tmp root e
    local -a found
    if [ -f "$dir/.fetch-deps-source" ] && [ "$(cat "$dir/.fetch-deps-source")" = "$sum" ]; then
        say "${dir#"$dest"/}: already unpacked from this archive"
        return 0
    fi
    say "${dir#"$dest"/}: unpacking ${archive#"$dest"/}"
    mkdir -p "$(dirname "$dir")"
    tmp=$(mktemp -d "$(dirname "$dir")/.unpack.part.XXXXXX")
    if ! tar -xzf "$archive" -C "$tmp" --no-same-owner; then
        rm -rf "$tmp"; say "${archive#"$dest"/}: cannot unpack"; return 1
    fi
    root=$tmp
    while :; do
        found=()
        for e in "$root"/* "$root"/.[!.]*; do [ -e "$e" ] && found+=("$e"); done
        if [ "${#found[@]}" -eq 1 ] && [ -d "${found[0]}" ]; then root=${found[0]}; else break; fi
    done
    printf '%s\n' "$sum" > "$root/.fetch-deps-source"
    rm -rf "$dir"
    mv "$root" "$dir"
    rm -rf "$tmp"
}

bad() { say "$manifest:$lineno: $1"; exit 2; }

# Read and check the whole manifest first: a syntax error fetches nothing.
entries=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    case $line in ''|'#'*) continue ;; esac
    read -r -a f <<< "$line"
    [ "${#f[@]}" -eq 0 ] && continue
    [ "${#f[@]}" -ge 4 ] && [ "${#f[@]}" -le 5 ] || bad "expected 4 or 5 fields: SHA256 DESTINATION SOURCE required|optional [unpack=DIR]"
    [[ ${f[0]} =~ ^([0-9a-f]{64}|UNPINNED)$ ]] || bad "'${f[0]}' is neither 64 lower-case hex digits nor UNPINNED"
    [[ ${f[1]} != /* && ${f[1]} != *..* ]] || bad "destination must be relative and stay inside the destination root"
    [[ ${f[2]} == ?*:?* ]] || bad "source must be BASE:PATH"
    [[ ${f[3]} == required || ${f[3]} == optional ]] || bad "fourth field must be required or optional"
    if [ "${#f[@]}" -eq 5 ]; then
        [[ ${f[4]} == unpack=?* && ${f[4]} != *..* && ${f[4]} != unpack=/* ]] || bad "fifth field must be unpack=DIR (relative)"
    fi
    entries+=("${f[0]} ${f[1]} ${f[2]} ${f[3]} ${f[4]:-}")
done < "$manifest"

tmpfile=
trap '[ -n "$tmpfile" ] && rm -f "$tmpfile"' EXIT
trap 'exit 130' INT TERM

fetched=0 present=0 skipped=0 unpinned_required=()
for entry in "${entries[@]}"; do
    read -r sum rel source need extra <<< "$entry"
    if [ "$need" = optional ] && [ "$with_optional" != 1 ]; then
        skipped=$((skipped + 1)); continue
    fi
    url=$(url_of "$source") || exit 2
    file=$dest/$rel
    if [ "$sum" = UNPINNED ]; then
        say "$rel: REFUSED: no SHA-256 is pinned for $url."
        say "  To pin it: get the file from a source you trust, run \`sha256sum $(basename "$rel")\`,"
        say "  and write that value instead of UNPINNED on its line in $manifest."
        if [ "$need" = required ]; then unpinned_required+=("$rel"); else skipped=$((skipped + 1)); fi
        continue
    fi
    mkdir -p "$(dirname "$file")"
    if [ -f "$file" ]; then
        actual=$(sha256_of "$file")
        if [ "$actual" = "$sum" ]; then
            say "$rel: already present and verified"
            present=$((present + 1))
            [ -z "$extra" ] || unpack "$file" "$dest/${extra#unpack=}" "$sum"
            continue
        fi
        say "$rel: the file in place fails verification (expected sha256 $sum, actual $actual); downloading it again"
    fi
    say "$rel: downloading $url"
    tmpfile=$(mktemp "$(dirname "$file")/.$(basename "$file").part.XXXXXX")
    if ! download "$url" "$tmpfile"; then
        rm -f "$tmpfile"; tmpfile=
        say "$rel: download failed: $url"
        exit 1
    fi
    actual=$(sha256_of "$tmpfile")
    if [ "$actual" != "$sum" ]; then
        rm -f "$tmpfile"; tmpfile=
        say "$rel: CHECKSUM MISMATCH for $url"
        say "  expected sha256 $sum"
        say "  actual   sha256 $actual"
        say "  nothing was written for $rel; fix the source or the pin in $manifest"
        exit 1
    fi
    chmod 0644 "$tmpfile"
    mv -f "$tmpfile" "$file"
    tmpfile=
    say "$rel: verified"
    fetched=$((fetched + 1))
    [ -z "$extra" ] || unpack "$file" "$dest/${extra#unpack=}" "$sum"
done

say "done: $fetched downloaded, $present already present, $skipped skipped, ${#unpinned_required[@]} required refused"
if [ "${#unpinned_required[@]}" -gt 0 ]; then
    say "required artifacts without a pinned SHA-256: ${unpinned_required[*]}"
    exit 3
fi
