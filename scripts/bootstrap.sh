#!/usr/bin/env bash
# Installs everything the project needs to build and test: Node.js (see env.sh) and the npm
# dependencies from the lockfile. Re-running is cheap: npm ci runs only when the lockfile changed.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$incluster_root"
stamp=node_modules/.incluster-lock-hash
want=$( (sha256sum package-lock.json; node --version) | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "incluster: installing npm dependencies (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi
