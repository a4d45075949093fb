#!/usr/bin/env bash
# get_run: one recorded call from the run journal, with the shell command
# that reproduces it.
set -euo pipefail
. "${0%/*}/common.sh"

# run id -> {"run": {...}}: the journal's row
exec bp-mcp journal --db "$BP_DB" run-get "$BP_ARG_RUN"
