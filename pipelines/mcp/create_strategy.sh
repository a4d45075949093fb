#!/usr/bin/env bash
# create_strategy: waiting for its barpipe tool; bp-mcp refuses the call while the
# program it requires is not installed.
set -euo pipefail
. "$(dirname "$0")/common.sh"
die "create_strategy is not wired to its tool yet"
