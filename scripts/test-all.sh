#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (the README's test command, `make test`, calls this):
# set-up, static checks, unit tests, then the integration and fault suites on a real local cluster,
# then the traceability gate. Every stage runs even when an earlier one failed (except those that
# need the cluster when it did not come up), so one run reports everything; the exit status is 1 if
# any stage failed. Vitest results go to test-results/vitest-<project>.json for .ci/run's summary.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/bootstrap.sh" --test-browser || exit 3
. "$here/env.sh"
cd "$incluster_root"
mkdir -p test-results
rm -f test-results/vitest-*.json test-results/traceability*.json test-results/junit-*.xml

failed=()
stage() { printf '\n==> %s\n' "$*" >&2; }
run_stage() {
  local name=$1
  shift
  stage "$name"
  "$@" || failed+=("$name")
}
# Each project also writes requirement evidence (which test verified which ID, and its outcome),
# kept per project so the traceability gate can require every covered requirement to have passed.
# `--as NAME` files the results under another name (the same project run a second way).
vitest_project() {
  local project=$1 name=$1 status=0
  shift
  if [ "${1:-}" = --as ]; then name=$2; shift 2; fi
  npx vitest run --project "$project" --reporter=default --reporter=json \
    --reporter=./src/trace/reporter-module.ts \
    --outputFile.json="test-results/vitest-$name.json" "$@" || status=$?
  [ -f test-results/traceability.json ] && mv test-results/traceability.json "test-results/traceability-$name.json"
  [ -f test-results/traceability.junit.xml ] && mv test-results/traceability.junit.xml "test-results/junit-$name.xml"
  return $status
}
cli() { node "$incluster_root/src/cli/main.ts" "$@"; }

run_stage typecheck npm run --silent typecheck
run_stage lint npm run --silent lint
run_stage "unit tests" vitest_project unit

# The integration and fault suites run on a real local cluster (as root; the Kubernetes binaries
# and images are built once and cached). The cluster is removed at the end whatever happened.
stage "local cluster up"
trap 'stage "local cluster down"; cli down --provider local || true' EXIT
if KUBECONFIG=$(cli up --provider local); then
  export KUBECONFIG
  run_stage "integration tests" vitest_project integration
  run_stage "fault tests" vitest_project faults
  # The kind provider's own tests, unchanged, against the real kind (offline: the node image built
  # once and cached, the cluster on incluster's engine); the unit stage ran them on the stand-in.
  # Each test creates and deletes a cluster, and on a cold machine the first builds the node image
  # (10 minutes and more), hence the longer timeouts.
  INCLUSTER_KIND_E2E=1 INCLUSTER_KIND_OFFLINE=always run_stage "kind provider tests (real kind, offline)" \
    vitest_project unit --as kind-e2e --testTimeout=1800000 --hookTimeout=600000 test/unit/cluster/kind/provider.test.ts
  # With them the offline kind lifecycle (docs/kind-offline.md): the node image is built once and
  # cached by version, the research cluster comes up on incluster's own Docker engine beside the
  # local one, and down must leave the host as it found it, cgroup tree included; `make demo` on
  # kind; a 3-shard run on a three-node kind cluster.
  INCLUSTER_KIND_OFFLINE_E2E=1 run_stage "lifecycle tests (down, then up again; offline kind)" vitest_project lifecycle
  # The pytest plugin's own suite (python/pytest-incluster): ruff, unit tests, and its cluster
  # tests against the same local cluster; JUnit and requirement evidence land in test-results/.
  run_stage "pytest plugin" python/pytest-incluster/ci.sh
else
  failed+=("local cluster up")
  run_stage "pytest plugin (unit)" env -u KUBECONFIG python/pytest-incluster/ci.sh
fi
evidence=()
for file in test-results/traceability-*.json; do [ -f "$file" ] && evidence+=(--require-passing "$file"); done
run_stage "traceability gate" cli trace "${evidence[@]}"

if [ ${#failed[@]} -gt 0 ]; then
  printf '\nFAILED stages: %s\n' "$(IFS=,; echo "${failed[*]}")" >&2
  exit 1
fi
printf '\nAll stages passed.\n' >&2
