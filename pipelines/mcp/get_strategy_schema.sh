#!/usr/bin/env bash
# get_strategy_schema: the strategy spec's JSON Schema with worked
# examples, the indicators it can name, and the shipped example specs.
set -euo pipefail
. "${0%/*}/common.sh"
mkscratch

# bp-features -> the schema document (with "examples") and the indicators
bp-features --spec-schema >"$scratch/schema.json"
bp-features --list >"$scratch/indicators"
# shipped example specs -> their names
for f in "$BP_SHARE"/strategies/*.json; do
	[ -f "$f" ] && basename "$f" .json
done >"$scratch/examples" || true
# -> the tool's result
jq -c --slurpfile ind "$scratch/indicators" \
	--rawfile ex "$scratch/examples" '
	{schema: del(.examples), examples: (.examples // []),
	 indicators: [$ind[] | {name, title, params, columns}],
	 example_strategies: ($ex | split("\n") | map(select(. != "")))}' \
	"$scratch/schema.json"
