#!/usr/bin/env bash
# demo: features and labels
# In: $DEMO/btc.bars.zst (from 10-fetch), or data/sample/BTCUSDT-1h.csv.
# Out: $DEMO/btc.features.zst: the bars with the indicators, derived
# features, fuzzy RSI zones and labels of strategies/rsi_gbdt.json.
set -euo pipefail

bars=$DEMO/btc.bars.zst
[ -s "$bars" ] ||
	bp-fetch csv data/sample/BTCUSDT-1h.csv --symbol BTCUSDT -o "$bars"

# bars -> bars + features + label_up (and its label_up_end horizon)
bp-features --spec strategies/rsi_gbdt.json -o "$DEMO/btc.features.zst" \
	"$bars"

# a few columns of the last rows: the labels of the very last bars are
# null because their future is not known yet
zstd -dc "$DEMO/btc.features.zst" | tail -4 |
	jq -c '{ts, close, rsi_14, macd_hist_12_26_9, bbands_pctb_20_2,
		rsi_14_oversold, label_up, label_up_end}'
# (head closes the pipe early: read through process substitution so that
# zstd's SIGPIPE does not fail the stage under pipefail)
echo "rows: $(zstd -dc "$DEMO/btc.features.zst" | wc -l)," \
	"columns: $(head -1 < <(zstd -dc "$DEMO/btc.features.zst") | jq 'keys | length')"
