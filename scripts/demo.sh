#!/usr/bin/env bash
# The main job (`make demo`): bring up the default cluster and its services, run the example
# suite (examples/todo-service) inside it as a Job, then print its results and the traceability
# summary of the example's own spec. As root on Linux the default cluster is the `local` one
# (it needs nothing but this machine); elsewhere `auto` picks kind or the current context.
# INCLUSTER_PROVIDER overrides the choice.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/bootstrap.sh"
. "$here/env.sh"
cli() { node "$incluster_root/src/cli/main.ts" "$@"; }
provider=${INCLUSTER_PROVIDER:-auto}
if [ "$provider" = auto ] && [ "$(id -u)" = 0 ] && [ "$(uname -s)" = Linux ]; then provider=local; fi

cd "$incluster_root"
cli up --provider "$provider" >/dev/null
cd examples/todo-service
status=0
cli run --provider "$provider" || status=$?
echo
cli trace || status=$((status == 0 ? $? : status))
exit "$status"
