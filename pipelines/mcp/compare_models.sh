#!/usr/bin/env bash
# compare_models: waiting for its barpipe tool; bp-mcp refuses the call while the
# program it requires is not installed.
set -euo pipefail
. "$(dirname "$0")/common.sh"
die "compare_models is not wired to its tool yet"
