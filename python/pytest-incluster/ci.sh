#!/usr/bin/env bash
# The plugin's own checks, as CI runs them: a virtualenv made with uv (uv itself from PyPI, into a
# cached bootstrap venv, never into the system Python), the plugin built as a wheel and installed from
# it with its test extras (as users install it), ruff, the strict type check (mypy --strict), the unit
# tests, and the cluster tests when KUBECONFIG is set. JUnit goes to <repo>/test-results/junit-pytest.xml
# and requirement evidence to traceability-pytest.json there.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
uv_version=0.13.9
cache=${INCLUSTER_CACHE_DIR:-$HOME/.cache/incluster}/uv-$uv_version
uv=$(command -v uv || true)
if [ -z "$uv" ]; then
  if [ ! -x "$cache/bin/uv" ]; then
    python3 -m venv "$cache.tmp"
    "$cache.tmp/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$uv_version"
    rm -rf "$cache" && mv "$cache.tmp" "$cache"
  fi
  uv=$cache/bin/uv
fi
cd "$here"
[ -x .venv/bin/python ] || "$uv" venv --quiet --python python3 .venv
wheels=$(mktemp -d)
trap 'rm -rf "$wheels"' EXIT
"$uv" build --quiet --wheel --out-dir "$wheels" .
wheel=$(ls "$wheels"/pytest_incluster-*.whl)
VIRTUAL_ENV=$here/.venv "$uv" pip install --quiet --reinstall-package pytest-incluster "$wheel[test]"
export INCLUSTER_PLUGIN_WHEEL=$wheel # the packaging test reads its metadata
.venv/bin/ruff check src tests
.venv/bin/ruff format --check src tests
.venv/bin/mypy

results=$repo/test-results
mkdir -p "$results"
suites=(tests/unit)
if [ -n "${KUBECONFIG:-}" ]; then suites+=(tests/integration); else echo "pytest-incluster: KUBECONFIG not set, cluster tests skipped" >&2; fi
.venv/bin/pytest "${suites[@]}" -p no:cacheprovider \
  --junitxml="$results/junit-pytest.xml" \
  --incluster-evidence="$results/traceability-pytest.json" \
  --incluster-evidence-root="$repo" \
  -o incluster_artifacts="$results/pytest-incluster" "$@"
