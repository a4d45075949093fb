#!/usr/bin/env bash
# get_task_status: where a long job (train_model, cross_validate) stands,
# and its result once done.
set -euo pipefail
. "${0%/*}/common.sh"

# task id -> {"task_id", "status", "progress", "result", ...}: its row
exec bp-mcp journal --db "$BP_DB" task-get "$BP_ARG_TASK_ID"
