# shellcheck shell=bash
# Sourced by the image tests: one counter and one way to print a check.
# check NAME COMMAND...: runs COMMAND and prints "ok   - NAME" or "FAIL - NAME".
passed=0 failed=0
check() {
    local name=$1; shift
    if "$@"; then echo "ok   - $name"; passed=$((passed + 1)); else echo "FAIL - $name"; failed=$((failed + 1)); fi
}
