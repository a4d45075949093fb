#!/usr/bin/env bash
# list_strategies: the strategy specs in the workspace (strategies/) and
# the examples shipped with barpipe.
set -euo pipefail
. "${0%/*}/common.sh"

files=()
for f in strategies/*.json "${BP_SHARE:-/nonexistent}"/strategies/*.json; do
	[ -f "$f" ] && files+=("$f")
done
# a spec -> {"name", "path", "source", "description"}; path is where
# process_features finds a workspace spec (examples are found by name)
filter='{name: (input_filename | sub(".*/"; "") | sub("\\.json$"; "")),
	path: (if (input_filename | startswith("strategies/"))
		then input_filename else null end),
	source: (if (input_filename | startswith("strategies/"))
		then "workspace" else "example" end),
	description: (.description // "" | tostring)}'
# all specs at once -> {"count": n, "strategies": [...]}; one that is not
# JSON makes jq fail: then one by one, marking the bad ones
if [ "${#files[@]}" -eq 0 ]; then
	echo '{"count":0,"strategies":[]}'
elif ! jq -nc "[inputs | $filter] | {count: length, strategies: .}" \
	"${files[@]}" 2>/dev/null; then
	for f in "${files[@]}"; do
		jq -c "$filter" "$f" 2>/dev/null ||
			jq -nc --arg f "$f" '{name: ($f | sub(".*/"; "") | sub("\\.json$"; "")),
				path: null, source: "workspace", description: "(not valid JSON)"}'
	done | jq -sc '{count: length, strategies: .}'
fi
