#!/usr/bin/env bash
# cleanup_old_data: delete old bars from the cache (by age or before a
# time, optionally for one symbol/timeframe).
set -euo pipefail
. "${0%/*}/common.sh"

opts=(--db "$BP_DB")
if [ -n "$(arg OLDER_THAN)" ]; then
	opts+=(--older-than "$(arg OLDER_THAN)")
elif [ -n "$(arg BEFORE)" ]; then
	opts+=(--before "$(arg BEFORE)")
else
	die "give 'older_than' or 'before'"
fi
[ -n "$(arg SYMBOL)" ] && opts+=(--symbol "$(arg SYMBOL)")
[ -n "$(arg TIMEFRAME)" ] && opts+=(--timeframe "$(arg TIMEFRAME)")
# cache -> fewer bars; report {"deleted", "before", "symbol", "timeframe"}
bp-fetch prune "${opts[@]}" | jq -c .
