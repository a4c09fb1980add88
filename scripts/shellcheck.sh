#!/usr/bin/env bash
# Lints the shell scripts incluster writes into images and onto hosts (src/**/*.sh) with shellcheck.
# Not part of `npm run lint`: shellcheck is a Debian package (apt-get install shellcheck), which CI
# cannot install without root. Run it after editing one of these scripts: npm run lint:shell
#
# The scripts' bytes are part of image cache keys (changing one rebuilds that image), so findings that
# are intended are excluded here rather than by a directive inside the script; when a script changes
# for another reason, move its exclusion into it as a `# shellcheck disable=` line.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v shellcheck >/dev/null 2>&1 || {
  echo "shellcheck.sh: shellcheck is not installed (Debian/Ubuntu: apt-get install shellcheck)" >&2
  exit 3
}
cd "$root"
status=0
while IFS= read -r script; do
  args=()
  case "$script" in
    # The pod network's loop is the argument of `/bin/sh -c` in its DaemonSet: no shebang to read.
    # `[ a ] && [ b ] || continue` skips a line unless both tests pass; nothing else can fail there.
    */pod-network/pod-network.sh) args=(--shell=sh --exclude=SC2015) ;;
    # Init scripts in /docker-entrypoint-initdb.d are sourced by name, as the official image does.
    */postgres/docker-entrypoint.sh) args=(--exclude=SC1090) ;;
    # The jq programs are single-quoted so that jq, not the shell, reads `$drop` and `$c`.
    */runtime-wrapper/incluster-runc.sh) args=(--exclude=SC2016) ;;
  esac
  shellcheck "${args[@]}" "$script" || status=1
done < <(find src -name '*.sh' | sort)
exit $status
