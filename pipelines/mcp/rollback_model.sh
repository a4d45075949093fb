#!/usr/bin/env bash
# rollback_model: waiting for its barpipe tool; bp-mcp refuses the call while the
# program it requires is not installed.
set -euo pipefail
. "$(dirname "$0")/common.sh"
die "rollback_model is not wired to its tool yet"
