#!/usr/bin/env bash
# promote_model: make NAME@VERSION the active version of NAME (the one
# before is retired, and rollback_model can bring it back).
set -euo pipefail
. "${0%/*}/common.sh"

ref=$(arg MODEL)
name=${ref%@*}
# the active version before, if any
prev=$(bp-model show "$name" --db "$BP_DB" 2>/dev/null | jq '.version') || prev=null
# registry: promote (recorded in model_events)
bp-model promote "$ref" --db "$BP_DB"
# -> the version now active
bp-model show "$name" --db "$BP_DB" |
	jq -c --argjson prev "${prev:-null}" \
		'{name, version, status, previous: $prev}'
