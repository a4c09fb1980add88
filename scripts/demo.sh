#!/usr/bin/env bash
# The main job (`make demo`): bring up the default cluster, deploy the services, run the example
# suite inside it, print its results and the traceability summary.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$here/bootstrap.sh"
. "$here/env.sh"
cd "$incluster_root"
node src/cli/main.ts up
cd examples/todo-service
node ../../src/cli/main.ts run
node ../../src/cli/main.ts trace
