#!/usr/bin/env bash
# Installs what the build and tests need beyond Swift, Java and Python (a fresh machine lacks them).
set -euo pipefail
missing=()
command -v file >/dev/null || missing+=(file)
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
# libyaml reads config.yaml; its static archive is linked into the release binary.
[ -f /usr/include/yaml.h ] && [ -n "$(find /usr/lib -name libyaml.a -print -quit 2>/dev/null)" ] || missing+=(libyaml-dev)
# OfflinePlanTests watch what --version, help and plan do with strace.
command -v strace >/dev/null || missing+=(strace)
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
# PyYAML's pure-Python reader is the reference config.yaml is checked against (Tests/Fixtures/yaml).
python3 -c 'import yaml' 2>/dev/null || python3 -m pip install --quiet 'pyyaml==6.0.3' >&2
