#!/usr/bin/env bash
# check_model_drift: a reference and a current feature stream (or two
# windows of one) -> bp-drift -> a level per column, an overall level and
# a recommendation.
set -euo pipefail
. "${0%/*}/common.sh"
mkscratch

opts=(--ref "$(arg REFERENCE)" --json -o "$scratch/report.json")
[ -n "$(arg REF_WINDOW)" ] && opts+=(--ref-window "$(arg REF_WINDOW)")
[ -n "$(arg CUR_WINDOW)" ] && opts+=(--cur-window "$(arg CUR_WINDOW)")
cols=$(arg COLUMNS | paste -sd, -)
[ -n "$cols" ] && opts+=(--columns "$cols")
# streams -> drift report; exit 3 only says the drift is at or above HIGH
rc=0
bp-drift "${opts[@]}" "$(arg CURRENT)" || rc=$?
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] || exit "$rc"
# report -> the tool's result
jq -c '{level, recommendation,
	columns: [.columns[] | {column, level}],
	findings: ((.findings // [])[:50]), report: .}' "$scratch/report.json"
