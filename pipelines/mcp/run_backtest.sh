#!/usr/bin/env bash
# run_backtest: a stream with a signal column (or bars with an SMA
# crossover rule) -> bp-backtest with fees, slippage and stops -> summary,
# equity and trades files in reports/; prints the summary.
set -euo pipefail
. "${0%/*}/common.sh"

in=$(arg INPUT)
model=$(arg MODEL)
cross=$(arg SMA_CROSS)
opts=(--fee-bps "$(arg FEE_BPS)" --slippage-bps "$(arg SLIPPAGE_BPS)")
[ "$(arg LONG_ONLY)" = true ] && opts+=(--long-only)
[ -n "$(arg SL)" ] && opts+=(--sl "$(arg SL)")
[ -n "$(arg TP)" ] && opts+=(--tp "$(arg TP)")
if [ -n "$cross" ]; then
	opts+=(--sma-cross "$cross")
else
	opts+=(--signal "$(arg SIGNAL)")
fi
if [ -n "$model" ]; then
	command -v bp-predict >/dev/null ||
		die "backtesting a model needs bp-predict, which is not installed; give a stream with a signal column or sma_cross"
	[ -z "$cross" ] || die "give a model or sma_cross, not both"
fi

# where the results go: named after the input and the rule
base=$(basename "$in")
base=${base%.zst}
base=${base%.ndjson}
base=${base%.bars}
rule=${cross:+sma${cross/,/-}}
rule=${rule:-${model:+${model/@/-}}}
summary=$(arg SUMMARY)
[ -n "$summary" ] || summary="reports/$base${rule:+-$rule}.backtest.json"
stem=${summary%.json}
confine "$summary"
mkdir -p "$(dirname "$summary")"

progress 1 2 "backtesting"
# signal stream -> positions at the next open, costs, stops -> summary
# (JSON), equity and trades streams
if [ -n "$model" ]; then
	# features -> the model's score and signal per row -> the backtest
	popts=(--model "$model" --db "$BP_DB" --long "$(arg LONG)"
		--short "$(arg SHORT)" --on-missing skip)
	[ "$(arg LONG_ONLY)" = true ] && popts+=(--long-only)
	bp-predict "${popts[@]}" "$in" |
		bp-backtest "${opts[@]}" --summary "$summary" \
			--equity "$stem.equity.zst" --trades "$stem.trades.zst"
else
	bp-backtest "${opts[@]}" --summary "$summary" \
		--equity "$stem.equity.zst" --trades "$stem.trades.zst" "$in"
fi
progress 2 2 "done"
# summary -> the tool's result
jq -c --arg s "$summary" --arg e "$stem.equity.zst" --arg t "$stem.trades.zst" \
	'{summary_file: $s, equity_file: $e, trades_file: $t, summary: .}' \
	"$summary"
