# shellcheck shell=bash disable=SC2154  # $work is the sourcing script's
# Sourced by the image tests: one way to print a check, and the helpers they share.
# check NAME COMMAND...: runs COMMAND and prints "ok   - NAME" or "FAIL - NAME".
passed=0 failed=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   - $name"; passed=$((passed + 1)); else echo "FAIL - $name"; failed=$((failed + 1)); fi
}

# The helpers below use the sourcing script's $work (a temporary folder it removes) and set
# server_pid, which its cleanup stops by PID, and base, for the script's URLs.
sha() { sha256sum "$1" | cut -d' ' -f1; }
gets() { grep -c '"GET ' "$work/server.log" || true; }   # requests the test server has answered

# serve DIR: python3 -m http.server on 127.0.0.1, a port the kernel picks; sets server_pid and base.
serve() {
    python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$1" > "$work/server.out" 2> "$work/server.log" &
    # shellcheck disable=SC2034  # read by the sourcing script's cleanup
    server_pid=$!
    local port=''
    for _ in $(seq 1 100); do
        port=$(sed -n 's/.* port \([0-9][0-9]*\) .*/\1/p' "$work/server.out" | head -n 1)
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { echo "FAIL - the test HTTP server did not start"; exit 1; }
    # shellcheck disable=SC2034  # read by the sourcing script
    base=http://127.0.0.1:$port
}

# path_without NAME...: a PATH on which none of NAME is found. Each folder holding one is replaced
# by a folder of links to its other entries, so every other command stays available.
path_without() {
    local d n farm out='' i=0 hit
    local -a dirs
    IFS=: read -r -a dirs <<< "$PATH"
    for d in "${dirs[@]}"; do
        hit=0
        for n in "$@"; do [ -e "$d/$n" ] && hit=1; done
        if [ "$hit" = 1 ]; then
            i=$((i + 1)); farm=$work/path-without-$i
            mkdir -p "$farm"; ln -s "$d"/* "$farm"/ 2> /dev/null || true
            for n in "$@"; do rm -f "$farm/$n"; done
            d=$farm
        fi
        out=${out:+$out:}$d
    done
    printf '%s\n' "$out"
}
