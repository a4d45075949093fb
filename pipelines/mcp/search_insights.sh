#!/usr/bin/env bash
# search_insights: full-text search of the recorded insights, best match
# first.
set -euo pipefail
. "${0%/*}/common.sh"

opts=(--query "$(arg QUERY)" --limit "$(arg LIMIT)")
[ "$(arg MATCH)" = any ] && opts+=(--any)
[ -n "$(arg CATEGORY)" ] && opts+=(--category "$(arg CATEGORY)")
[ -n "$(arg MIN_IMPORTANCE)" ] && opts+=(--min-importance "$(arg MIN_IMPORTANCE)")
# query -> FTS5 match over content, tags, category -> {"count", "results"}
bp-mcp journal --db "$BP_DB" insight-search "${opts[@]}"
