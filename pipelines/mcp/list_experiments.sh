#!/usr/bin/env bash
# list_experiments: the experiments in the journal, newest first, with
# how many runs and insights each has.
set -euo pipefail
. "${0%/*}/common.sh"

opts=(--limit "$(arg LIMIT)")
[ -n "$(arg STATUS)" ] && opts+=(--status "$(arg STATUS)")
# filters -> {"count": n, "experiments": [...]}
bp-mcp journal --db "$BP_DB" experiment-list "${opts[@]}"
