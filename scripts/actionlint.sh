#!/usr/bin/env bash
# Lints GitHub Actions workflows with actionlint, so a broken workflow cannot land (001-FR-041).
# actionlint is a Go module: it is built once per pinned version from the Go module proxy into the
# incluster cache (the same cache rule as scripts/env.sh) and reused after that.
# Usage: scripts/actionlint.sh [workflow files…]   (default: .github/workflows/*.yml)
#        scripts/actionlint.sh --print-path        (install if needed, print the binary's path)
set -euo pipefail
ACTIONLINT_VERSION=v1.7.12
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${INCLUSTER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/incluster}
bin_dir="$cache/tools/actionlint-$ACTIONLINT_VERSION"
actionlint="$bin_dir/actionlint"

if [ ! -x "$actionlint" ]; then
  command -v go >/dev/null 2>&1 || {
    echo "actionlint.sh: Go is needed to build actionlint $ACTIONLINT_VERSION (install Go 1.24 or newer)" >&2
    exit 3
  }
  echo "actionlint.sh: building actionlint $ACTIONLINT_VERSION into $bin_dir (once)" >&2
  mkdir -p "$bin_dir"
  # Built into a private directory and renamed into place, so concurrent callers never run a
  # half-written binary. A private GOPATH keeps the download out of the user's Go workspace.
  staging=$(mktemp -d "$bin_dir/.build-XXXXXX")
  trap 'rm -rf "$staging"' EXIT
  GOBIN="$staging" GOPATH="$cache/tools/gopath" GOFLAGS=-modcacherw \
    go install "github.com/rhysd/actionlint/cmd/actionlint@$ACTIONLINT_VERSION" >&2
  mv -f "$staging/actionlint" "$actionlint"
  rm -rf "$staging"
  trap - EXIT
fi

if [ "${1:-}" = "--print-path" ]; then
  echo "$actionlint"
  exit 0
fi
cd "$root"
if [ "$#" -eq 0 ]; then set -- .github/workflows/*.yml; fi
# shellcheck and pyflakes integrations are turned off: they are not installed here, and actionlint
# would otherwise depend on whatever happens to be on PATH.
exec "$actionlint" -shellcheck= -pyflakes= "$@"
