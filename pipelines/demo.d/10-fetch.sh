#!/usr/bin/env bash
# demo: fetch and validate the sample bars
# In: data/sample/*.csv (vendor CSV files as published).
# Out: $DEMO/btc.bars.zst, $DEMO/spy.bars.zst (bar streams), the bars cached
# in $BARPIPE_HOME/barpipe.db, $DEMO/btc.validate.json (validation summary).
set -euo pipefail

# CryptoDataDownload hourly export (title line, CRLF, newest first) -> bars,
# also upserted into the cache
bp-fetch csv data/sample/BTCUSDT-1h.csv --symbol BTCUSDT --store \
	-o "$DEMO/btc.bars.zst"
# Yahoo daily download (CRLF, no final newline) -> bars, cached
bp-fetch csv data/sample/SPY-1d.csv --symbol SPY --store -q \
	-o "$DEMO/spy.bars.zst"

# the validation summary (one JSON document); exit 3 would mean "refused"
rc=0
bp-fetch validate data/sample/BTCUSDT-1h.csv --symbol BTCUSDT \
	-o "$DEMO/btc.validate.json" || rc=$?
[ "$rc" -eq 0 ] || { echo "validation failed ($rc)" >&2; exit 1; }
jq -c . "$DEMO/btc.validate.json"

# what the cache holds, and the first bars of each stream
bp-fetch db --list --plain
# (head closes the pipe early: read through process substitution so that
# zstd's SIGPIPE does not fail the stage under pipefail)
head -3 < <(zstd -dc "$DEMO/btc.bars.zst")
head -3 < <(zstd -dc "$DEMO/spy.bars.zst")
