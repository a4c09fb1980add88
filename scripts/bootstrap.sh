#!/usr/bin/env bash
# Installs everything the project needs to build and test: Node.js (see env.sh), the npm
# dependencies from the lockfile, and, with `--test-browser` (as root on Debian, what `make test`
# passes), Chromium for the one test that renders the HTML report; `make setup` and `make demo`
# do not need a browser and do not install one. The local cluster installs its own packages in `incluster up`.
# Re-running is cheap: npm ci runs only when the lockfile changed.
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

if [ "${1:-}" = --test-browser ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "incluster: installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
      || { apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2; }
  fi
fi
