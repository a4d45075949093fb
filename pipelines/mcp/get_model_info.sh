#!/usr/bin/env bash
# get_model_info: one registered model version in full (registry row,
# training summary, fit report, feature importance).
set -euo pipefail
. "${0%/*}/common.sh"

# NAME or NAME@VERSION -> the version as JSON -> {"model": ...}
bp-model show "$(arg MODEL)" --db "$BP_DB" | jq -c '{model: .}'
