#!/usr/bin/env bash
# get_model_info: waiting for its barpipe tool; bp-mcp refuses the call while the
# program it requires is not installed.
set -euo pipefail
. "$(dirname "$0")/common.sh"
die "get_model_info is not wired to its tool yet"
