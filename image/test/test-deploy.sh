#!/usr/bin/env bash
# Tests image/deploy/: Kubernetes schema validation (kubernetes-validate, bundled schemas, offline),
# semantic checks a schema cannot make (check_manifests.py), and restart.sh run against a fake
# kubectl that logs its arguments. Needs PYTHON with pyyaml and kubernetes-validate (run.sh sets it).
# Prints ok/FAIL per check; exits non-zero on any FAIL.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
deploy=$(cd "$here/../deploy" && pwd)
python=${PYTHON:-python3}
validate=${KUBERNETES_VALIDATE:-$(dirname "$python")/kubernetes-validate}
k8s_version=${K8S_VERSION:-1.30.0}

work=$(mktemp -d "${TMPDIR:-/tmp}/test-deploy.XXXXXX")
trap 'rm -rf "$work"' EXIT

# shellcheck source=image/test/checks.sh
. "$(dirname "$0")/checks.sh"
fails() { ! "$@" > /dev/null 2>&1; }
logged() { grep -q -- "$1" "$FAKE_KUBECTL_LOG"; }

# 1. Schema: every manifest, strict (unknown fields rejected), against Kubernetes $k8s_version.
for f in "$deploy"/*.yaml; do
    check "schema (k8s $k8s_version, strict): $(basename "$f")" "$validate" -k "$k8s_version" --strict --quiet "$f"
done
# The validator really validates: a broken copy must fail.
sed 's/containerPort: 6123/containerPort: "six-one-two-three"/' "$deploy/jobmanager-session-deployment.yaml" > "$work/broken.yaml"
check "schema: a broken manifest is rejected (control)" fails "$validate" -k "$k8s_version" --strict --quiet "$work/broken.yaml"

# 2. Semantics.
if "$python" "$here/check_manifests.py" "$deploy" > "$work/semantic.out"; then sem=0; else sem=1; fi
cat "$work/semantic.out"
passed=$((passed + $(grep -c '^ok ' "$work/semantic.out" || true)))
failed=$((failed + $(grep -c '^FAIL ' "$work/semantic.out" || true)))
check "semantic checks exit 0" test "$sem" -eq 0

# 3. restart.sh: syntax, and the kubectl commands it issues (fake kubectl on PATH).
check "restart.sh: bash -n" bash -n "$deploy/restart.sh"
mkdir -p "$work/bin"
cat > "$work/bin/kubectl" <<'EOF'
#!/usr/bin/env bash
# Fake kubectl: logs its arguments, one invocation per line; fails when FAKE_KUBECTL_FAIL matches.
printf '%s\n' "$*" >> "$FAKE_KUBECTL_LOG"
if [ -n "${FAKE_KUBECTL_FAIL:-}" ] && [[ "$*" == *"$FAKE_KUBECTL_FAIL"* ]]; then exit 1; fi
exit 0
EOF
chmod +x "$work/bin/kubectl"
export FAKE_KUBECTL_LOG=$work/kubectl.log
files="-f $deploy/flink-configuration-configmap.yaml -f $deploy/jobmanager-service.yaml -f $deploy/jobmanager-rest-service.yaml -f $deploy/jobmanager-session-deployment.yaml -f $deploy/taskmanager-session-deployment.yaml"

: > "$FAKE_KUBECTL_LOG"
rc=0; PATH=$work/bin:$PATH "$deploy/restart.sh" -n flink-test --image reg/submitjob-flink:1 --timeout 42s > "$work/run.out" 2>&1 || rc=$?
cat > "$work/expected" <<EOF
--namespace flink-test apply $files
--namespace flink-test set image deployment/flink-jobmanager jobmanager=reg/submitjob-flink:1
--namespace flink-test set image deployment/flink-taskmanager taskmanager=reg/submitjob-flink:1
--namespace flink-test rollout restart deployment/flink-jobmanager deployment/flink-taskmanager
--namespace flink-test rollout status deployment/flink-jobmanager --timeout=42s
--namespace flink-test rollout status deployment/flink-taskmanager --timeout=42s
EOF
check "restart.sh: exit 0" test "$rc" -eq 0
check "restart.sh: apply, set image, rollout restart, rollout status x2, in that order" diff -u "$work/expected" "$FAKE_KUBECTL_LOG"
check "restart.sh: prints each command it runs" test "$(grep -c '^+ kubectl ' "$work/run.out")" -eq 6
check "restart.sh: applies every manifest of deploy/" \
    test "$(grep -o -- '-f [^ ]*\.yaml' "$FAKE_KUBECTL_LOG" | sort | tr '\n' ' ')" = "$(for f in "$deploy"/*.yaml; do printf -- '-f %s\n' "$f"; done | sort | tr '\n' ' ')"
check "restart.sh: set image names the jobmanager's container" grep -q '^ *- name: jobmanager$' "$deploy/jobmanager-session-deployment.yaml"
check "restart.sh: set image names the taskmanager's container" grep -q '^ *- name: taskmanager$' "$deploy/taskmanager-session-deployment.yaml"

: > "$FAKE_KUBECTL_LOG"
rc=0; PATH=$work/bin:$PATH NAMESPACE=from-env "$deploy/restart.sh" --dry-run > "$work/dry.out" 2>&1 || rc=$?
cat > "$work/expected" <<EOF
--namespace from-env apply --dry-run=client $files
--namespace from-env rollout restart --dry-run=client deployment/flink-jobmanager deployment/flink-taskmanager
EOF
check "restart.sh --dry-run: exit 0" test "$rc" -eq 0
check "restart.sh --dry-run: --dry-run=client on apply and restart, no rollout status run (NAMESPACE from env)" diff -u "$work/expected" "$FAKE_KUBECTL_LOG"
check "restart.sh --dry-run: prints the rollout status it would run" test "$(grep -c 'dry run, not run.*rollout status' "$work/dry.out")" -eq 2

: > "$FAKE_KUBECTL_LOG"
rc=0; PATH=$work/bin:$PATH "$deploy/restart.sh" > /dev/null 2>&1 || rc=$?
check "restart.sh without a namespace: exit 0" test "$rc" -eq 0
check "restart.sh without a namespace: no --namespace flag (kubectl's context decides)" fails logged --namespace
check "restart.sh: default rollout timeout 300s" logged "rollout status deployment/flink-jobmanager --timeout=300s"

: > "$FAKE_KUBECTL_LOG"
rc=0; PATH=$work/bin:$PATH FAKE_KUBECTL_FAIL="rollout status deployment/flink-jobmanager" "$deploy/restart.sh" > /dev/null 2>&1 || rc=$?
check "restart.sh: a failing rollout status fails the script" test "$rc" -ne 0
check "restart.sh: stops at the first failure" fails logged "rollout status deployment/flink-taskmanager"

rc=0; PATH=$work/bin:$PATH "$deploy/restart.sh" --bogus > /dev/null 2>&1 || rc=$?
check "restart.sh: unknown argument is a usage error (exit 2)" test "$rc" -eq 2

echo "deploy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
