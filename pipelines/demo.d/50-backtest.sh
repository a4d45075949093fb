#!/usr/bin/env bash
# demo: backtest and report
# In: the first of these that exists with bars and a signal:
#   $DEMO/oos.zst        out-of-sample rows with signal (40-cv.sh)
#   $DEMO/btc.pred.zst   predictions with signal (the models stage)
#   $DEMO/btc.bars.zst   bars (10-fetch.sh), or data/sample/BTCUSDT-1h.csv,
#                        traded with bp-backtest's own SMA(20)/SMA(50)
#                        crossover, long or flat
# Out: $DEMO/summary.json (the backtest summary), $DEMO/equity.zst and
# $DEMO/trades.zst (streams), $DEMO/report.html (the page); prints the text
# summary and, last, the report's path.
set -euo pipefail

# usable FILE: FILE exists and its first row has bars and a signal (read
# through process substitution so that head closing the pipe early does
# not fail the stage under pipefail)
usable() {
	[ -s "$1" ] || return 1
	head -n 1 < <(zstd -dcqf "$1" 2>/dev/null) |
		jq -e 'has("ts") and has("open") and has("high") and has("low")
			and has("close") and has("signal")' >/dev/null 2>&1
}

signal=()
if usable "$DEMO/oos.zst"; then
	in=$DEMO/oos.zst
	what="the walk-forward out-of-sample signal (bp-cv)"
elif usable "$DEMO/btc.pred.zst"; then
	in=$DEMO/btc.pred.zst
	what="the model's signal (bp-predict)"
else
	in=$DEMO/btc.bars.zst
	[ -s "$in" ] ||
		bp-fetch csv data/sample/BTCUSDT-1h.csv --symbol BTCUSDT -q \
			-o "$in"
	signal=(--sma-cross 20,50 --long-only)
	what="an SMA(20)/SMA(50) crossover, long or flat (no model signal yet)"
fi
echo "backtesting $what"
echo "input: $in"

# signal/bars -> summary, equity and trades: next-open fills, 10 bps fees
# and 2 bps slippage a side, a 3-ATR stop (so trades have an R)
bp-backtest "${signal[@]}" --fee-bps 10 --slippage-bps 2 --sl 3atr \
	--summary "$DEMO/summary.json" --equity "$DEMO/equity.zst" \
	--trades "$DEMO/trades.zst" "$in"

# summary + streams -> one self-contained HTML page, and the same in text
bp-report --summary "$DEMO/summary.json" --equity "$DEMO/equity.zst" \
	--trades "$DEMO/trades.zst" --title "barpipe demo: $what" \
	-o "$DEMO/report.html"
bp-report --text --summary "$DEMO/summary.json" --equity "$DEMO/equity.zst"

# what the costs took: the same run without fees and slippage
gross=$(bp-backtest "${signal[@]}" --sl 3atr "$in" | jq -r '.total_return')
net=$(jq -r '.total_return' "$DEMO/summary.json")
awk -v g="$gross" -v n="$net" 'BEGIN { printf "costs   total return %+.2f%% '\
'without fees and slippage, %+.2f%% with them\n", 100 * g, 100 * n }'
echo "report: $DEMO/report.html"
