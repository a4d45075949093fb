#!/usr/bin/env bash
# process_features: waiting for its barpipe tool; bp-mcp refuses the call while the
# program it requires is not installed.
set -euo pipefail
. "$(dirname "$0")/common.sh"
die "process_features is not wired to its tool yet"
