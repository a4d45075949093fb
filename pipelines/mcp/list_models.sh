#!/usr/bin/env bash
# list_models: the model registry (every version of every name, or of
# one name) with status, kind, label and stored metrics.
set -euo pipefail
. "${0%/*}/common.sh"

opts=(list --json --db "$BP_DB")
[ -n "$(arg NAME)" ] && opts+=("$(arg NAME)")
# registry -> a JSON array of versions -> {"count", "models"}
bp-model "${opts[@]}" | jq -c '{count: length, models: .}'
