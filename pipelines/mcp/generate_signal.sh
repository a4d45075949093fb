#!/usr/bin/env bash
# generate_signal: waiting for its barpipe tool; bp-mcp refuses the call while the
# program it requires is not installed.
set -euo pipefail
. "$(dirname "$0")/common.sh"
die "generate_signal is not wired to its tool yet"
