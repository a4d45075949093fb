#!/usr/bin/env bash
# create_experiment: open an experiment (a hypothesis under test) in the
# journal; later calls name it with experiment_id.
set -euo pipefail
. "${0%/*}/common.sh"

opts=(--name "$(arg NAME)")
[ -n "$(arg HYPOTHESIS)" ] && opts+=(--hypothesis "$(arg HYPOTHESIS)")
[ -n "$(arg NOTES)" ] && opts+=(--notes "$(arg NOTES)")
# arguments -> a new experiments row -> {"experiment_id": .., ...}
bp-mcp journal --db "$BP_DB" experiment-create "${opts[@]}"
