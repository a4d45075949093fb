#!/usr/bin/env bash
# train_model: waiting for its barpipe tool; bp-mcp refuses the call while the
# program it requires is not installed.
set -euo pipefail
. "$(dirname "$0")/common.sh"
die "train_model is not wired to its tool yet"
