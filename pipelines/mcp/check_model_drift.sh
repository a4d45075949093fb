#!/usr/bin/env bash
# check_model_drift: waiting for its barpipe tool; bp-mcp refuses the call while the
# program it requires is not installed.
set -euo pipefail
. "$(dirname "$0")/common.sh"
die "check_model_drift is not wired to its tool yet"
