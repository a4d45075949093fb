#!/usr/bin/env bash
# validate_data: check a CSV file of bars (workspace or shipped sample)
# without converting it: order, duplicates, gaps, OHLC consistency, bad
# values.
set -euo pipefail
. "${0%/*}/common.sh"
mkscratch

if [ -n "$(arg CSV)" ]; then
	file=$(arg CSV)
else
	file="$BP_SHARE/data/sample/$(arg SAMPLE).csv"
fi
opts=(--format "$(arg FORMAT)")
[ -n "$(arg SYMBOL)" ] && opts+=(--symbol "$(arg SYMBOL)")
[ -n "$(arg TIMEFRAME)" ] && opts+=(--timeframe "$(arg TIMEFRAME)")
# CSV -> validation summary; exit 1 with the first bad row when it fails
bp-fetch validate "${opts[@]}" --on-bad report -o "$scratch/v.json" "$file"
# summary -> the tool's result (lists cut to 20 entries)
jq -c --arg file "$(arg CSV)" '{file: (if $file == "" then null else $file end),
	ok, clean: (.bad.count == 0 and .gaps.count == 0 and
		.duplicates.identical == 0 and .duplicates.conflicting == 0 and
		.unsorted == 0),
	rows, bars, first, last, timeframe, unsorted,
	duplicates: {identical: .duplicates.identical,
		conflicting: .duplicates.conflicting},
	gaps: {count: .gaps.count, missing: .gaps.missing,
		largest: .gaps.largest, largest_after: .gaps.largest_after},
	bad: (.bad | del(.list)), bad_examples: (.bad.list[:20]),
	zero_volume, format: .files[0].format}' "$scratch/v.json"
