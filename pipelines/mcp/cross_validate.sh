#!/usr/bin/env bash
# cross_validate: waiting for its barpipe tool; bp-mcp refuses the call while the
# program it requires is not installed.
set -euo pipefail
. "$(dirname "$0")/common.sh"
die "cross_validate is not wired to its tool yet"
