#!/usr/bin/env bash
# list_strategies: the strategy specs in the workspace (strategies/) and
# the examples shipped with barpipe.
set -euo pipefail
. "$(dirname "$0")/common.sh"

# spec files of DIR -> one {"name", "path", "source", "description"} line
# each (path: where process_features finds it; examples are found by name)
list() {	# list DIR SOURCE
	local f n
	for f in "$1"/*.json; do
		[ -f "$f" ] || continue
		n=$(basename "$f" .json)
		jq -c --arg src "$2" --arg name "$n" \
			'{name: $name,
			  path: (if $src == "workspace"
				 then "strategies/\($name).json" else null end),
			  source: $src,
			  description: (.description // "" | tostring)}' \
			"$f" 2>/dev/null ||
			jq -nc --arg src "$2" --arg name "$n" \
				'{name: $name, path: null, source: $src,
				  description: "(not valid JSON)"}'
	done
}
# the lines -> {"count": n, "strategies": [...]}
{
	list strategies workspace
	list "${BP_SHARE:-/nonexistent}/strategies" example
} | jq -sc '{count: length, strategies: .}'
