#!/usr/bin/env bash
# save_insight: record what was learned, searchable later with
# search_insights (SQLite FTS5).
set -euo pipefail
. "${0%/*}/common.sh"

# tags arrive one per line; the journal keeps them space-separated
tags=$(arg TAGS | tr '\n' ' ' | sed 's/ *$//')
opts=(--category "$(arg CATEGORY)" --content "$(arg CONTENT)"
	--importance "$(arg IMPORTANCE)" --tags "$tags")
exp=$(arg EXPERIMENT_ID)
[ -n "$exp" ] && opts+=(--experiment "$exp")
# arguments -> a new insights row (and its FTS5 entry) -> {"insight_id": ..}
bp-mcp journal --db "$BP_DB" insight-add "${opts[@]}"
