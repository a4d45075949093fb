#!/usr/bin/env bash
# run_backtest: waiting for its barpipe tool; bp-mcp refuses the call while the
# program it requires is not installed.
set -euo pipefail
. "$(dirname "$0")/common.sh"
die "run_backtest is not wired to its tool yet"
