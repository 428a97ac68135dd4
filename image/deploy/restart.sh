#!/usr/bin/env bash
# (Re)deploys the Flink session cluster of image/deploy/ and restarts it, so that pods pick up a
# changed ConfigMap or a rebuilt image with the same tag:
#   kubectl apply -f <every manifest here>
#   kubectl rollout restart deployment/flink-jobmanager deployment/flink-taskmanager
#   kubectl rollout status ... --timeout=<timeout>   (one per deployment)
#
#   image/deploy/restart.sh [-n|--namespace NS] [--image IMAGE] [--timeout DURATION] [--dry-run]
#
#   -n, --namespace NS   default: $NAMESPACE, else the kubectl context's namespace
#   --image IMAGE        also set this image on both deployments (kubectl set image)
#   --timeout DURATION   rollout status timeout, default: $ROLLOUT_TIMEOUT, else 300s
#   --dry-run            kubectl apply/set/restart with --dry-run=client; rollout status only printed
# Environment: KUBECTL (default kubectl).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kubectl=${KUBECTL:-kubectl}
namespace=${NAMESPACE:-}
image=
timeout=${ROLLOUT_TIMEOUT:-300s}
dry_run=0

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
    case $1 in
        -n|--namespace) [ $# -ge 2 ] || usage; namespace=$2; shift ;;
        --namespace=*) namespace=${1#*=} ;;
        --image) [ $# -ge 2 ] || usage; image=$2; shift ;;
        --image=*) image=${1#*=} ;;
        --timeout) [ $# -ge 2 ] || usage; timeout=$2; shift ;;
        --timeout=*) timeout=${1#*=} ;;
        --dry-run) dry_run=1 ;;
        -h|--help) usage 0 ;;
        *) echo "restart.sh: unknown argument: $1" >&2; usage ;;
    esac
    shift
done

ns=()
[ -z "$namespace" ] || ns=(--namespace "$namespace")
dry=()
[ "$dry_run" -eq 0 ] || dry=(--dry-run=client)

# run ARGS...: prints the kubectl command, then runs it.
run() { printf '+ %s\n' "$kubectl $*"; "$kubectl" "$@"; }
# wait_for ARGS...: like run, but only printed in a dry run (rollout status has no dry-run mode).
wait_for() {
    if [ "$dry_run" -eq 1 ]; then printf '+ (dry run, not run) %s\n' "$kubectl $*"; else run "$@"; fi
}

deployments=(deployment/flink-jobmanager deployment/flink-taskmanager)
# The ConfigMap first, then the Services, then the Deployments that use them.
run "${ns[@]}" apply "${dry[@]}" \
    -f "$here/flink-configuration-configmap.yaml" \
    -f "$here/jobmanager-service.yaml" \
    -f "$here/jobmanager-rest-service.yaml" \
    -f "$here/jobmanager-session-deployment.yaml" \
    -f "$here/taskmanager-session-deployment.yaml"
if [ -n "$image" ]; then
    run "${ns[@]}" set image "${dry[@]}" deployment/flink-jobmanager "jobmanager=$image"
    run "${ns[@]}" set image "${dry[@]}" deployment/flink-taskmanager "taskmanager=$image"
fi
run "${ns[@]}" rollout restart "${dry[@]}" "${deployments[@]}"
for d in "${deployments[@]}"; do
    wait_for "${ns[@]}" rollout status "$d" "--timeout=$timeout"
done
echo "restart.sh: done${namespace:+ (namespace $namespace)}"
