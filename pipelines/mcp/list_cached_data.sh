#!/usr/bin/env bash
# list_cached_data: what bars the cache holds (symbol, timeframe, first,
# last, count, gaps) and which bar and feature files the workspace has.
set -euo pipefail
. "${0%/*}/common.sh"
mkscratch

# cache -> one line per series
bp-fetch db --db "$BP_DB" --list --plain >"$scratch/series"
# workspace data/ and features/ -> one {"path", "bytes"} line per file
for d in data features; do
	if [ -d "$d" ]; then find "$d" -type f -printf '%p\t%s\n'; fi
done | sort |
	jq -Rc 'split("\t") | {path: .[0], bytes: (.[1] | tonumber)}' \
		>"$scratch/files"
# both -> the tool's result
jq -nc --slurpfile s "$scratch/series" --slurpfile f "$scratch/files" \
	'{series: $s, count: ($s | length), files: $f}'
