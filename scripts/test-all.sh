#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it (the README's test command, `make test`, calls this):
# set-up, static checks, unit tests, then the integration and fault suites on a real local cluster,
# then the traceability gate. Each stage's Vitest results go to test-results/vitest-<stage>.json,
# which .ci/run sums into its closing line.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/bootstrap.sh"
. "$here/env.sh"
cd "$incluster_root"
mkdir -p test-results
rm -f test-results/vitest-*.json

stage() { printf '\n==> %s\n' "$*" >&2; }

vitest_stage() {
  local project=$1
  shift
  npx vitest run --project "$project" --reporter=default --reporter=json \
    --outputFile.json="test-results/vitest-$project.json" "$@"
}

stage "typecheck"
npm run --silent typecheck
stage "lint"
npm run --silent lint
stage "unit tests"
vitest_stage unit
