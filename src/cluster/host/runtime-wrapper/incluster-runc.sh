#!/bin/sh
# incluster-runc: runc without capabilities this machine cannot grant (@DROP_NAMES@).
# Written by incluster; see src/cluster/host/runtime-wrapper.ts.
drop='@DROP@'
strip() {
  [ -f "$1" ] || return 0
  jq --argjson drop "$drop" "$2" "$1" > "$1.incluster-runc" && mv "$1.incluster-runc" "$1"
}
caps='with_entries(.value |= (if type == "array" then map(select(. as $c | $drop | index($c) | not)) else . end))'
bundle=
process=
prev=
for arg in "$@"; do
  case "$prev" in
    --bundle|-b) bundle=$arg ;;
    --process|-p) process=$arg ;;
  esac
  case "$arg" in
    --bundle=*) bundle=${arg#--bundle=} ;;
    --process=*) process=${arg#--process=} ;;
  esac
  prev=$arg
done
if [ -n "$bundle" ]; then strip "$bundle/config.json" "if .process.capabilities then .process.capabilities |= $caps else . end"; fi
if [ -n "$process" ]; then strip "$process" "if .capabilities then .capabilities |= $caps else . end"; fi
exec @REAL_RUNC@ "$@"
