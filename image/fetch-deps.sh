#!/usr/bin/env bash
# Downloads what the image needs besides this repository (the Chunjun distribution, extra jars) into
# the build context, each verified against the SHA-256 pinned in a manifest (image/deps.sha256; its
# header documents the format).
#
#   image/fetch-deps.sh [--with-optional] [--pin] [--from DIR] [--offline] [--manifest FILE] [--dest DIR]
#
# - A file already in place that passes verification is not fetched again.
# - A file in place that fails verification is fetched again (and said so).
# - Verification: the entry's SHA-256, and also its SHA-1 when the entry has sha1=HEX.
# - Every fetch (a download, or a copy from --from DIR) goes to a temporary file in the destination
#   folder, is verified, then renamed: a failed or mismatching fetch leaves nothing behind. A
#   mismatch stops the run.
# - An entry marked UNPINNED is refused: a required one fails the run (exit 3) after the others are
#   fetched, an optional one is skipped with a warning.
# - --pin: trust on first use, explicitly. Each UNPINNED entry taken (required ones, and optional
#   ones with --with-optional) is fetched, checked against its sha1= if it has one, and its size and
#   SHA-256 printed; that SHA-256 replaces UNPINNED in the manifest (rewritten atomically, every
#   other line kept), under a line "# pinned on first use DATE (UTC) from URL|local copy PATH".
#   Review and commit the manifest: every later run verifies against it. An existing pin is never
#   changed: a mismatch against it fails as without --pin.
# - --from DIR: an artifact found in DIR (by the last segment of its SOURCE, or of its DESTINATION)
#   is copied from there instead of downloaded, and verified (or pinned) the same way; one not in
#   DIR is downloaded, and said so.
# - --offline: downloads nothing. Artifacts neither in place nor in --from DIR are listed and the run
#   fails (exit 1) after the others are handled. For air-gapped builds.
#
# Environment: DEPS_MANIFEST, DEPS_DEST, DEPS_FROM=DIR, WITH_OPTIONAL=1, DEPS_PIN=1, DEPS_OFFLINE=1
# (same as the flags); MAVEN_BASE_URL, CHUNJUN_BASE_URL and <BASE>_BASE_URL for any other source
# prefix; FETCH_TOOL=curl|python3 to choose the downloader (default: curl when present, else
# python3). Hashes come from sha256sum/sha1sum, or python3's hashlib when those are missing.
# Exit codes: 0 ok, 1 download or verification failure (or --offline and a file not available
# locally), 2 usage or manifest error, 3 unpinned required artifact.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
manifest=${DEPS_MANIFEST:-$here/deps.sha256}
dest=${DEPS_DEST:-$here}
with_optional=${WITH_OPTIONAL:-0}
pin=${DEPS_PIN:-0}
offline=${DEPS_OFFLINE:-0}
from_dir=${DEPS_FROM:-}
: "${MAVEN_BASE_URL:=https://repo1.maven.org/maven2}"
: "${CHUNJUN_BASE_URL:=https://github.com/DTStack/chunjun/releases/download}"
export MAVEN_BASE_URL CHUNJUN_BASE_URL

say() { printf 'fetch-deps: %s\n' "$*" >&2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }

while [ $# -gt 0 ]; do
    case $1 in
        --with-optional) with_optional=1 ;;
        --pin) pin=1 ;;
        --offline) offline=1 ;;
        --from) [ $# -ge 2 ] || usage; from_dir=$2; shift ;;
        --from=*) from_dir=${1#*=} ;;
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
# How to name the manifest to the user: relative to the current folder when inside it.
case $manifest in "$PWD"/*) manifest_shown=${manifest#"$PWD"/} ;; *) manifest_shown=$manifest ;; esac
if [ -n "$from_dir" ]; then
    [ -d "$from_dir" ] || { say "--from $from_dir: not a directory"; exit 2; }
    from_dir=$(cd "$from_dir" && pwd)
fi
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

if [ -z "${FETCH_TOOL:-}" ]; then
    if command -v curl >/dev/null 2>&1; then FETCH_TOOL=curl; else FETCH_TOOL=python3; fi
fi
case $FETCH_TOOL in curl|python3) ;; *) say "FETCH_TOOL must be curl or python3, not $FETCH_TOOL"; exit 2 ;; esac

# hash_of sha1|sha256 FILE. Read from stdin: GNU's tools escape the output for odd file names.
hash_of() {
    if command -v "${1}sum" >/dev/null 2>&1; then
        "${1}sum" < "$2" | cut -d' ' -f1
    else
        python3 -c 'import hashlib,sys
h=hashlib.new(sys.argv[1])
with open(sys.argv[2],"rb") as f:
    for b in iter(lambda: f.read(1<<20), b""): h.update(b)
print(h.hexdigest())' "$1" "$2"
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

# refuse LABEL ALGO EXPECTED ACTUAL NOTE: a fetched file ($tmpfile, from $what) failed its check:
# delete it, say both hashes, stop (exit 1).
refuse() {
    rm -f "$tmpfile"; tmpfile=
    say "$rel: $1 MISMATCH for $what"
    say "  expected $2 $3"
    say "  actual   $2 $4"
    say "  $5"
    exit 1
}

bad() { say "$manifest:$lineno: $1"; exit 2; }

# Read and check the whole manifest first: a syntax error fetches nothing. Each entry keeps its line
# number, for --pin's rewrite; '-' stands for an absent optional field.
entries=()
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    case $line in ''|'#'*) continue ;; esac
    read -r -a f <<< "$line"
    [ "${#f[@]}" -eq 0 ] && continue
    [ "${#f[@]}" -ge 4 ] && [ "${#f[@]}" -le 6 ] || bad "expected 4 to 6 fields: SHA256 DESTINATION SOURCE required|optional [unpack=DIR] [sha1=HEX]"
    [[ ${f[0]} =~ ^([0-9a-f]{64}|UNPINNED)$ ]] || bad "'${f[0]}' is neither 64 lower-case hex digits nor UNPINNED"
    [[ ${f[1]} != /* && ${f[1]} != *..* ]] || bad "destination must be relative and stay inside the destination root"
    [[ ${f[2]} == ?*:?* ]] || bad "source must be BASE:PATH"
    [[ ${f[3]} == required || ${f[3]} == optional ]] || bad "fourth field must be required or optional"
    to=- sha1=-
    for x in "${f[@]:4}"; do
        case $x in
            unpack=*)
                [ "$to" = - ] || bad "unpack= given twice"
                [[ $x == unpack=?* && $x != *..* && $x != unpack=/* ]] || bad "unpack=DIR must name a relative folder"
                to=${x#unpack=} ;;
            sha1=*)
                [ "$sha1" = - ] || bad "sha1= given twice"
                [[ $x =~ ^sha1=[0-9a-f]{40}$ ]] || bad "sha1= must be 40 lower-case hex digits"
                sha1=${x#sha1=} ;;
            *) bad "extra field '$x': only unpack=DIR and sha1=HEX may follow required|optional" ;;
        esac
    done
    entries+=("${f[0]} ${f[1]} ${f[2]} ${f[3]} $to $sha1 $lineno")
done < "$manifest"

# Checked now rather than after a long download: pinning rewrites the manifest through its folder.
if [ "$pin" = 1 ] && [ ! -w "$(dirname "$manifest")" ]; then
    for entry in "${entries[@]}"; do
        read -r sum _ _ need _ <<< "$entry"
        if [ "$sum" = UNPINNED ] && { [ "$need" = required ] || [ "$with_optional" = 1 ]; }; then
            say "--pin would rewrite $manifest_shown, but its folder is not writable"; exit 2
        fi
    done
fi

tmpfile='' mtmp=''
trap 'rm -f ${tmpfile:+"$tmpfile"} ${mtmp:+"$mtmp"}' EXIT
trap 'exit 130' INT TERM

# verify FILE SHA256 SHA1|-: silent when FILE passes; otherwise prints what differs, returns 1.
verify() {
    local actual
    actual=$(hash_of sha256 "$1")
    if [ "$actual" != "$2" ]; then echo "expected sha256 $2, actual $actual"; return 1; fi
    [ "$3" = - ] && return 0
    actual=$(hash_of sha1 "$1")
    if [ "$actual" != "$3" ]; then echo "expected sha1 $3, actual $actual"; return 1; fi
}

# local_copy SOURCE DESTINATION: the file of --from DIR to use, if any (SOURCE's name first).
local_copy() {
    local name
    [ -n "$from_dir" ] || return 0
    for name in "$(basename "${1#*:}")" "$(basename "$2")"; do
        if [ -f "$from_dir/$name" ]; then printf '%s\n' "$from_dir/$name"; return 0; fi
    done
}

# pin_in_manifest LINE DESTINATION SHA256 COMMENT: replaces UNPINNED on LINE by SHA256 and inserts
# COMMENT above it. Written to a temporary file beside the manifest (cp -p keeps its mode), then
# renamed over it: an interrupted run leaves the old manifest whole. Other lines are copied as read,
# the last one without a newline if it had none.
pin_in_manifest() {
    local n=0 text ended g
    mtmp=$(mktemp "$(dirname "$manifest")/.$(basename "$manifest").part.XXXXXX")
    cp -p -- "$manifest" "$mtmp"
    while :; do
        ended=1
        IFS= read -r text || { ended=0; [ -n "$text" ] || break; }
        n=$((n + 1))
        if [ "$n" -eq "$1" ]; then
            read -r -a g <<< "$text"
            if [ "${g[0]:-}" != UNPINNED ] || [ "${g[1]:-}" != "$2" ]; then
                say "$manifest_shown:$n: no longer the UNPINNED entry of $2 (changed during the run?); nothing pinned"
                exit 2
            fi
            printf '%s\n' "$4"
            text=${text/UNPINNED/$3}
        fi
        if [ "$ended" = 1 ]; then printf '%s\n' "$text"; else printf '%s' "$text"; break; fi
    done < "$manifest" > "$mtmp"
    mv -f "$mtmp" "$manifest"
    mtmp=
}

downloaded=0 copied=0 pinned=0 present=0 skipped=0 unpinned_required=() not_local=()
for entry in "${entries[@]}"; do
    read -r sum rel source need to sha1 at <<< "$entry"
    if [ "$need" = optional ] && [ "$with_optional" != 1 ]; then
        skipped=$((skipped + 1)); continue
    fi
    url=$(url_of "$source") || exit 2
    file=$dest/$rel
    if [ "$sum" = UNPINNED ] && [ "$pin" != 1 ]; then
        opt='' mopt=''
        [ "$need" = optional ] && opt=" --with-optional" mopt=" WITH_OPTIONAL=1"
        say "$rel: REFUSED: no SHA-256 is pinned for $url."
        say "  To pin it on first use (trusting the copy fetched now): image/fetch-deps.sh --pin$opt   (or: make image PIN=1$mopt)"
        say "  To pin a copy you already have in DIR: image/fetch-deps.sh --pin$opt --from DIR   (or: make image PIN=1$mopt FROM=DIR)"
        say "  Or by hand: run \`sha256sum $(basename "$rel")\` on a copy you trust and write the value"
        say "  instead of UNPINNED on its line in $manifest_shown."
        if [ "$need" = required ]; then unpinned_required+=("$rel"); else skipped=$((skipped + 1)); fi
        continue
    fi
    mkdir -p "$(dirname "$file")"
    # A file in place is trusted only through a pin: with UNPINNED it is fetched again and pinned.
    if [ "$sum" != UNPINNED ] && [ -f "$file" ]; then
        if problem=$(verify "$file" "$sum" "$sha1"); then
            say "$rel: already present and verified"
            present=$((present + 1))
            [ "$to" = - ] || unpack "$file" "$dest/$to" "$sum"
            continue
        fi
        say "$rel: the file in place fails verification ($problem); fetching it again"
    fi
    origin=$(local_copy "$source" "$rel")
    if [ -n "$origin" ]; then
        say "$rel: using the local copy $origin"
    elif [ "$offline" = 1 ]; then
        if [ -n "$from_dir" ]; then
            say "$rel: NOT AVAILABLE OFFLINE: neither $(basename "${source#*:}") nor $(basename "$rel") is in $from_dir, and --offline downloads nothing ($url)"
        else
            say "$rel: NOT AVAILABLE OFFLINE: not in place, no --from DIR given, and --offline downloads nothing ($url)"
        fi
        not_local+=("$rel")
        continue
    elif [ -n "$from_dir" ]; then
        say "$rel: no local copy in $from_dir (looked for $(basename "${source#*:}") and $(basename "$rel")); downloading $url"
    else
        say "$rel: downloading $url"
    fi
    tmpfile=$(mktemp "$(dirname "$file")/.$(basename "$file").part.XXXXXX")
    if [ -n "$origin" ]; then
        if ! cp -- "$origin" "$tmpfile"; then
            rm -f "$tmpfile"; tmpfile=
            say "$rel: cannot copy $origin"
            exit 1
        fi
        what="local copy $origin"
    else
        if ! download "$url" "$tmpfile"; then
            rm -f "$tmpfile"; tmpfile=
            say "$rel: download failed: $url"
            exit 1
        fi
        what=$url
    fi
    # The SHA-1 first: when it is all that is published, it is what a first-use pin is checked by.
    if [ "$sha1" != - ]; then
        actual1=$(hash_of sha1 "$tmpfile")
        [ "$actual1" = "$sha1" ] || refuse SHA-1 sha1 "$sha1" "$actual1" "nothing was written or pinned for $rel"
    fi
    actual=$(hash_of sha256 "$tmpfile")
    if [ "$sum" = UNPINNED ]; then
        size=$(wc -c < "$tmpfile" | tr -d ' ')
        say "=================================================================================="
        say "PINNED ON FIRST USE: $rel"
        say "  file    $rel"
        say "  from    $what"
        say "  size    $size bytes ($(awk -v b="$size" 'BEGIN { printf "%.2f", b / 1000000 }') MB)"
        say "  sha256  $actual"
        if [ "$sha1" != - ]; then
            say "  sha1    $actual1 (equal to the manifest's sha1=)"
        else
            say "  trust   on first use: nothing but this one fetch vouches for it"
        fi
        say "  pinned on first use: review and commit $manifest_shown"
        say "=================================================================================="
        # Lines inserted above by earlier pins of this run moved this entry down.
        pin_in_manifest $((at + pinned)) "$rel" "$actual" "# pinned on first use $(date -u +%Y-%m-%d) (UTC) from $what"
        pinned=$((pinned + 1))
        sum=$actual
    elif [ "$actual" != "$sum" ]; then
        refuse CHECKSUM sha256 "$sum" "$actual" "nothing was written for $rel; fix the source or the pin in $manifest_shown"
    fi
    chmod 0644 "$tmpfile"
    mv -f "$tmpfile" "$file"
    tmpfile=
    say "$rel: verified"
    if [ -n "$origin" ]; then copied=$((copied + 1)); else downloaded=$((downloaded + 1)); fi
    [ "$to" = - ] || unpack "$file" "$dest/$to" "$sum"
done

say "done: $downloaded downloaded, $copied copied from local copies, $pinned pinned on first use, $present already present, $skipped skipped, ${#unpinned_required[@]} required refused"
if [ "$pinned" -gt 0 ]; then
    say "$pinned artifact(s) PINNED ON FIRST USE in $manifest_shown: review the new lines and commit them"
    say "  (git diff -- $manifest_shown); every later run verifies against them."
fi
if [ "${#not_local[@]}" -gt 0 ]; then
    say "--offline: not available locally: ${not_local[*]}"
    exit 1
fi
if [ "${#unpinned_required[@]}" -gt 0 ]; then
    say "required artifacts without a pinned SHA-256: ${unpinned_required[*]}"
    say "  pin them on first use with: image/fetch-deps.sh --pin [--from DIR]   (or: make image PIN=1 [FROM=DIR])"
    exit 3
fi
