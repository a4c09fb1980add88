#!/usr/bin/env bash
# The main job (`make demo`): bring up the default cluster and its services, run the example
# suites inside it as Jobs (examples/todo-service with Vitest, examples/orders-py with pytest), then
# print their results and the traceability summary of each example's own spec. As root on Linux the default cluster is the `local` one
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
status=0
for example in todo-service orders-py; do
  printf '\n== examples/%s ==\n' "$example"
  cd "$incluster_root/examples/$example"
  cli run --provider "$provider" || status=$((status == 0 ? $? : status))
  echo
  cli trace || status=$((status == 0 ? $? : status))
done
exit "$status"
