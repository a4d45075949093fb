#!/usr/bin/env bash
# compare_models: two model versions' stored metrics side by side, and
# given a feature stream, their predictions on it.
set -euo pipefail
. "${0%/*}/common.sh"

refs=("$(arg A)" "$(arg B)")
[ -n "$(arg INPUT)" ] && refs+=("$(arg INPUT)")
# two refs [+ features] -> {"a", "b", "metrics", "predictions"}
bp-model compare "${refs[@]}" --db "$BP_DB" |
	jq -c '{a, b, metrics, predictions: (.predictions // null)}'
