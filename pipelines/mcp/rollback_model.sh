#!/usr/bin/env bash
# rollback_model: make the previously active version of NAME active again.
set -euo pipefail
. "${0%/*}/common.sh"

name=$(arg NAME)
prev=$(bp-model show "$name" --db "$BP_DB" 2>/dev/null | jq '.version') || prev=null
# registry: pop the promotion stack (recorded in model_events)
bp-model rollback "$name" --db "$BP_DB"
# -> the version now active
bp-model show "$name" --db "$BP_DB" |
	jq -c --argjson prev "${prev:-null}" \
		'{name, version, status, previous: $prev}'
