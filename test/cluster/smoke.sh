#!/usr/bin/env bash
# The smoke test on a real cluster (`npm run test:cluster`): applies a stage the way the README says, waits for it,
# uses it, breaks it and upgrades it, with the README's own commands. Never part of `npm test`.
#
# It runs against the current kubectl context and refuses to start without one. The dev stage (the default) runs
# the node service image `ghcr.io/stateful-todo/todo-service:0.1.0`, which must already be on the nodes (kind:
# `kind load docker-image …`). Every step is bounded; on a failure it prints the stage's pods, events and logs.
#
#   STAGE=dev               the stage folder under dist/ (prod needs its Secrets and the PodMonitor CRD first:
#                           README, "Prod Secrets" and "What the output needs")
#   CLUSTER_TEST_DRAIN=1    also drain the database's node the README's way (disruptive: for throw-away clusters;
#                           skipped, with a message, where the stage's disruption budgets would block it)
#   UPGRADE_DATABASE_IMAGE  the database image of the upgrade step (default: postgres:17.7-bookworm)
set -euo pipefail
cd "$(dirname "$0")/../.."

STAGE="${STAGE:-dev}"
UPGRADE_DATABASE_IMAGE="${UPGRADE_DATABASE_IMAGE:-postgres:17.7-bookworm}"
LOCAL_PORT="${LOCAL_PORT:-18080}"
FORWARD_PID=""

say() { printf '\n=== %s\n' "$*"; }
fail() { printf '\nFAILED: %s\n' "$*" >&2; exit 1; }

[ -d "dist/$STAGE/manifests" ] || { echo "dist/$STAGE/manifests/ does not exist: run npm run synth, or set STAGE" >&2; exit 2; }
# Its steps (rollout of the StatefulSet, the dump CronJob, the pod deletion) are those of the StatefulSet workload.
if grep -q '^kind: Cluster$' "dist/$STAGE/manifests/"*.yaml; then
  echo "stage $STAGE runs CloudNativePG, which this test does not cover: check it with the steps of the README's \"The CloudNativePG workload\"" >&2
  exit 2
fi
if ! command -v kubectl >/dev/null 2>&1; then
  echo "npm run test:cluster needs kubectl (1.26 or newer) on PATH, and a cluster to run against." >&2
  exit 2
fi
# kubectl diff, which judges whether a re-apply changes anything, runs the diff program (or KUBECTL_EXTERNAL_DIFF).
if [ -z "${KUBECTL_EXTERNAL_DIFF:-}" ] && ! command -v diff >/dev/null 2>&1; then
  echo "npm run test:cluster needs diff (diffutils) on PATH: kubectl diff runs it." >&2
  exit 2
fi
if [ -z "${KUBECONFIG:-}" ] && ! kubectl config current-context >/dev/null 2>&1; then
  cat >&2 <<'EOF'
npm run test:cluster runs against the current kubectl context, and there is none.
It needs: a cluster (kind, k3d, minikube or a real one) selected with KUBECONFIG or `kubectl config use-context`,
the node service image loaded (docker build -f app/Dockerfile -t ghcr.io/stateful-todo/todo-service:0.1.0 . &&
kind load docker-image ghcr.io/stateful-todo/todo-service:0.1.0), and dist/ synthesized (npm run synth).
EOF
  exit 2
fi
echo "context: $(kubectl config current-context 2>/dev/null || echo "(KUBECONFIG=$KUBECONFIG)"), stage: $STAGE"
kubectl version --request-timeout=20s

# A stage with monitoring.enabled (prod) has PodMonitors. Without the Prometheus Operator's CRD, an apply creates
# the objects before them and then fails on `no matches for kind "PodMonitor"`: check before applying anything.
if grep -q '^kind: PodMonitor$' "dist/$STAGE/manifests/"*.yaml; then
  SERVED="$(kubectl api-resources --api-group=monitoring.coreos.com -o name --request-timeout=20s)" \
    || { echo "kubectl api-resources failed: cannot tell whether the cluster serves PodMonitors" >&2; exit 2; }
  if ! grep -qx 'podmonitors.monitoring.coreos.com' <<<"$SERVED"; then
    cat >&2 <<EOF
stage $STAGE has PodMonitors (monitoring.enabled), and this cluster does not serve them: the Prometheus Operator's
CRD podmonitors.monitoring.coreos.com is missing, so an apply would fail half-way (no matches for kind "PodMonitor").
Install the Prometheus Operator (kube-prometheus-stack, for instance), or only this CRD:
  kubectl apply --server-side -f crds/prometheus-operator-v0.93.0/monitoring.coreos.com_podmonitors.yaml
EOF
    exit 2
  fi
fi

# Nodes a pod can go to: Ready, not cordoned, with no NoSchedule or NoExecute taint. One name a line.
schedulable_nodes() {
  local jsonpath='{range .items[*]}{.metadata.name}{"|"}{.spec.unschedulable}{"|"}'
  jsonpath+='{.status.conditions[?(@.type=="Ready")].status}{"|"}{.spec.taints[*].effect}{"\n"}{end}'
  kubectl get nodes --request-timeout=20s -o jsonpath="$jsonpath" \
    | awk -F'|' '$2 != "true" && $3 == "True" && $4 !~ /(^| )(NoSchedule|NoExecute)( |$)/ { print $1 }'
}

# Why the drain step cannot pass, or nothing. A drain evicts pods through their PodDisruptionBudgets: with the node
# cordoned and no other node to go to, an evicted app pod's replacement stays Pending, and its budget refuses the
# next eviction until the drain times out. Without budgets (dev) a drain passes on a single node.
drain_blocker() {
  local node="$1" others
  grep -q '^kind: PodDisruptionBudget$' "dist/$STAGE/manifests/"*.yaml || return 0
  others="$(schedulable_nodes | grep -vx -- "$node" || true)"
  if [ -z "$others" ]; then
    echo "stage $STAGE has PodDisruptionBudgets and its pods have no node to go to but ${node:-the one drained}," \
      "so the drain would block until its timeout"
  fi
}

DRAIN_SKIPPED=""
if [ "${CLUSTER_TEST_DRAIN:-}" = "1" ] && [ "$(schedulable_nodes | wc -l)" -lt 2 ]; then
  DRAIN_SKIPPED="$(drain_blocker "$(schedulable_nodes)")"
  [ -z "$DRAIN_SKIPPED" ] || echo "CLUSTER_TEST_DRAIN=1: step 8 will be skipped: $DRAIN_SKIPPED (STAGE=dev drains a single node)"
fi

diagnose() {
  say "diagnostics: pods, events and logs of the stage"
  kubectl get pods,pvc,jobs -A -l "app.kubernetes.io/instance=stateful-todo-$STAGE" -o wide || true
  for ns in postgres stateful-namespace; do
    kubectl -n "$ns" get events --sort-by=.lastTimestamp 2>/dev/null | tail -30 || true
    for pod in $(kubectl -n "$ns" get pods -o name 2>/dev/null); do
      echo "--- $ns $pod"
      kubectl -n "$ns" describe "$pod" 2>/dev/null | tail -25 || true
      kubectl -n "$ns" logs "$pod" --all-containers --tail=40 2>/dev/null || true
    done
  done
}

cleanup() {
  local status=$?
  if [ -n "$FORWARD_PID" ]; then kill "$FORWARD_PID" 2>/dev/null || true; fi
  if [ "$status" -ne 0 ]; then
    diagnose
  fi
  say "cleanup: deleting what the test created, except the Namespaces and the claims (the data)"
  kubectl uncordon "${DRAINED_NODE:-}" >/dev/null 2>&1 || true
  kubectl delete deployment,statefulset,cronjob,job,service,configmap,secret,networkpolicy,poddisruptionbudget,horizontalpodautoscaler,ingress \
    -A -l "app.kubernetes.io/instance=stateful-todo-$STAGE" --ignore-not-found --wait=true --timeout=3m || true
  rm -rf "$WORK"
  exit "$status"
}
# Made only now, with the trap that removes it: the early exits above leave nothing behind.
WORK="$(mktemp -d)"
trap cleanup EXIT

# The README's rollout checks (README, "kubectl").
wait_for_stage() {
  kubectl -n postgres rollout status statefulset/postgres --timeout=5m
  kubectl -n postgres wait --for=condition=complete job -l app.kubernetes.io/component=roles --timeout=10m
  kubectl -n stateful-namespace wait --for=condition=complete job -l app.kubernetes.io/component=migration --timeout=10m
  kubectl -n stateful-namespace rollout status deployment/stateful-flask --timeout=5m
}

# A port-forward to the app Service: no client pod, so nothing that the restricted Pod Security profile refuses.
forward() {
  if [ -n "$FORWARD_PID" ]; then kill "$FORWARD_PID" 2>/dev/null || true; fi
  kubectl -n stateful-namespace port-forward service/stateful-flask "$LOCAL_PORT:5000" >"$WORK/forward.log" 2>&1 &
  FORWARD_PID=$!
  for _ in $(seq 1 30); do
    curl -sf --max-time 2 "http://127.0.0.1:$LOCAL_PORT/healthz" >/dev/null && return 0
    sleep 1
  done
  cat "$WORK/forward.log" >&2
  fail "the app Service did not answer through kubectl port-forward within 30 s"
}

# GET /tasks, retried while the service answers 503 (a database restart), for at most 60 s.
tasks() {
  local body
  for _ in $(seq 1 30); do
    if body="$(curl -sf --max-time 5 "http://127.0.0.1:$LOCAL_PORT/tasks")"; then
      printf '%s' "$body"
      return 0
    fi
    sleep 2
  done
  fail "GET /tasks did not answer 200 within 60 s"
}

expect_task() {
  local body
  body="$(tasks)"
  case "$body" in
    *"\"title\":\"$1\""*) echo "task '$1' is there" ;;
    *) fail "task '$1' is missing after $2: $body" ;;
  esac
}

# Idempotency, judged by the API server: kubectl diff (a server-side dry run of the apply) exits 0 when the folder
# matches what runs, 1 when it differs, above 1 on an error. Not by apply's output: client-side apply prints
# `configured` for a StatefulSet on every re-apply (it re-sends volumeClaimTemplates, which the API server filled
# in with defaults) although nothing changes. Then the apply itself, which must not change a workload's spec.
expect_no_changes() {
  local status=0 before after
  kubectl diff -f "dist/$STAGE/manifests/" >"$WORK/diff.txt" 2>&1 || status=$?
  case "$status" in
    0) echo "kubectl diff: no differences" ;;
    1) cat "$WORK/diff.txt"; fail "kubectl diff found differences between dist/$STAGE/manifests/ and the cluster" ;;
    *) cat "$WORK/diff.txt"; fail "kubectl diff failed (exit $status)" ;;
  esac
  before="$(workload_generations)"
  kubectl apply -f "dist/$STAGE/manifests/"
  after="$(workload_generations)"
  [ "$before" = "$after" ] || fail "the apply changed a workload's spec: generations $before, then $after"
}

# metadata.generation of the database StatefulSet and of the app Deployment: it moves on any change to their spec.
workload_generations() {
  printf '%s/%s' \
    "$(kubectl -n postgres get statefulset postgres -o jsonpath='{.metadata.generation}')" \
    "$(kubectl -n stateful-namespace get deployment stateful-flask -o jsonpath='{.metadata.generation}')"
}

say "1. apply dist/$STAGE/manifests/ and wait for the database, the migration Job and the app"
kubectl apply -f "dist/$STAGE/manifests/"
wait_for_stage

say "2. create and list tasks through the app Service"
forward
TITLE="smoke-$(date +%s)"
curl -sf --max-time 10 -X POST -H "Content-Type: application/json" \
  -d "{\"title\": \"$TITLE\", \"description\": \"Persisted in PostgreSQL\"}" "http://127.0.0.1:$LOCAL_PORT/tasks"
echo
expect_task "$TITLE" "creating it"

say "2b. backups the README's way: the deploy-time dump, a dump now, a task written after it, the restore of that dump"
kubectl -n postgres wait --for=condition=complete job -l app.kubernetes.io/component=backup --timeout=10m
JOB="$(kubectl -n postgres create job "postgres-backup-manual-$(date +%s)" --from=cronjob/postgres-backup -o name)"
kubectl -n postgres wait --for=condition=complete "$JOB" --timeout=30m
kubectl -n postgres logs "$JOB"
DUMP="$(kubectl -n postgres logs "$JOB" | sed -n 's|^backup: wrote /backups/\([^ ]*\) .*|\1|p')"
[ -n "$DUMP" ] || fail "the backup Job's log names no dump"
LATE="after-the-dump-$(date +%s)"
curl -sf --max-time 10 -X POST -H "Content-Type: application/json" -d "{\"title\": \"$LATE\"}" "http://127.0.0.1:$LOCAL_PORT/tasks"
echo
JOB="$(kubectl set env --local -f "dist/$STAGE/on-demand/postgres-restore.k8s.yaml" RESTORE_DUMP="$DUMP" -o yaml | kubectl create -f - -o name)"
kubectl -n postgres wait --for=condition=complete "$JOB" --timeout=60m
kubectl -n postgres logs "$JOB"
expect_task "$TITLE" "restoring $DUMP"
case "$(tasks)" in *"$LATE"*) fail "task '$LATE', written after the dump, survived its restore" ;; esac
JOB="$(kubectl create -f "dist/$STAGE/on-demand/postgres-restore.k8s.yaml" -o name)"
kubectl -n postgres wait --for=condition=complete "$JOB" --timeout=60m
kubectl -n postgres logs "$JOB"
expect_task "$TITLE" "restoring the latest dump"

say "3. the same folder again: kubectl diff finds no difference, and the apply changes no workload"
expect_no_changes

say "4. delete the database workload and apply again: the data is in the claim, which stays"
kubectl -n postgres delete statefulset postgres --wait=true --timeout=3m
kubectl -n postgres wait --for=delete pod/postgres-0 --timeout=3m || true
kubectl apply -f "dist/$STAGE/manifests/"
wait_for_stage
expect_task "$TITLE" "re-creating the StatefulSet"

say "4b. orphan-delete the StatefulSet (the README's step for a claim-template change) and apply: the new set adopts the pod"
kubectl -n postgres delete statefulset postgres --cascade=orphan --timeout=2m   # the pod and its claim stay; the set goes
kubectl -n postgres get pod postgres-0
kubectl apply -f "dist/$STAGE/manifests/"
kubectl -n postgres rollout status statefulset/postgres --timeout=5m
expect_task "$TITLE" "orphan-deleting the StatefulSet"

say "5. delete the database pod: its replacement waits for it, and mounts the same claim"
kubectl -n postgres delete pod postgres-0 --wait=true --timeout=3m
kubectl -n postgres rollout status statefulset/postgres --timeout=5m
expect_task "$TITLE" "deleting the database pod"
expect_no_changes

say "6. upgrade: a new database image ($UPGRADE_DATABASE_IMAGE), checked by the upgrade check, applied and rolled out"
CDK8S_OUTDIR="$WORK/upgraded" npm run --silent synth:stage -- "$STAGE" --set "database.image=$UPGRADE_DATABASE_IMAGE"
npm run --silent validate -- "$WORK/upgraded/$STAGE" --against "dist/$STAGE" --namespace-exists argocd --namespace-exists flux-system
kubectl apply -f "$WORK/upgraded/$STAGE/manifests/"
kubectl -n postgres rollout status statefulset/postgres --timeout=5m
[ "$(kubectl -n postgres get statefulset postgres -o jsonpath='{.spec.template.spec.containers[0].image}')" = "$UPGRADE_DATABASE_IMAGE" ] \
  || fail "the StatefulSet does not run $UPGRADE_DATABASE_IMAGE"
kubectl -n stateful-namespace wait --for=condition=complete job -l app.kubernetes.io/component=migration --timeout=10m
kubectl -n stateful-namespace rollout status deployment/stateful-flask --timeout=5m
forward
expect_task "$TITLE" "upgrading the database"

say "7. back to the committed stage, pruning what it no longer has (the README's prune command)"
kubectl apply -f "dist/$STAGE/manifests/" --prune -l "app.kubernetes.io/instance=stateful-todo-$STAGE" \
  --prune-allowlist=core/v1/ConfigMap --prune-allowlist=core/v1/Secret --prune-allowlist=core/v1/Service \
  --prune-allowlist=apps/v1/Deployment --prune-allowlist=apps/v1/StatefulSet \
  --prune-allowlist=batch/v1/Job --prune-allowlist=batch/v1/CronJob \
  --prune-allowlist=autoscaling/v2/HorizontalPodAutoscaler --prune-allowlist=policy/v1/PodDisruptionBudget \
  --prune-allowlist=networking.k8s.io/v1/NetworkPolicy --prune-allowlist=networking.k8s.io/v1/Ingress
wait_for_stage
[ "$(kubectl -n stateful-namespace get jobs -l app.kubernetes.io/component=migration -o name | wc -l)" = "1" ] \
  || fail "the prune left more than the stage's own migration Job"
kubectl get namespace postgres stateful-namespace
forward
expect_task "$TITLE" "pruning"

if [ "${CLUSTER_TEST_DRAIN:-}" = "1" ] && [ -z "$DRAIN_SKIPPED" ]; then
  NODE="$(kubectl -n postgres get pod postgres-0 -o jsonpath='{.spec.nodeName}')"
  DRAIN_SKIPPED="$(drain_blocker "$NODE")"
fi
if [ -n "$DRAIN_SKIPPED" ]; then
  say "8. drain: SKIPPED, $DRAIN_SKIPPED"
elif [ "${CLUSTER_TEST_DRAIN:-}" = "1" ]; then
  say "8. drain the database's node the README's way"
  DRAINED_NODE="$NODE"
  kubectl cordon "$NODE"
  kubectl -n postgres delete pod postgres-0 --wait=true --timeout=2m   # a deletion, not an eviction: the PDB allows it
  kubectl drain "$NODE" --ignore-daemonsets --delete-emptydir-data --timeout=5m
  kubectl uncordon "$NODE"                                              # after the node's maintenance
  kubectl -n postgres rollout status statefulset/postgres --timeout=5m
  kubectl -n stateful-namespace rollout status deployment/stateful-flask --timeout=5m
  forward
  expect_task "$TITLE" "draining the node"
fi

say "PASSED: stage $STAGE on $(kubectl config current-context 2>/dev/null || echo "$KUBECONFIG")${DRAIN_SKIPPED:+ (step 8 skipped: $DRAIN_SKIPPED)}"
