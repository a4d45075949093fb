#!/usr/bin/env bash
# batch_generate: waiting for its barpipe tool; bp-mcp refuses the call while the
# program it requires is not installed.
set -euo pipefail
. "$(dirname "$0")/common.sh"
die "batch_generate is not wired to its tool yet"
