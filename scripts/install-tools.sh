#!/usr/bin/env bash
# Installs what the build and tests need beyond Swift, Java and Python (a fresh machine lacks them).
set -euo pipefail
missing=()
command -v file >/dev/null || missing+=(file)
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
