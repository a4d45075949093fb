#!/usr/bin/env bash
# demo: drift between training and test periods
# In: $DEMO/btc.features.zst (20-features.sh); $DEMO/oos.zst (40-cv.sh,
# out-of-sample rows with score, signal and label) when the cv stage ran.
# Out: $DEMO/drift.json (the report), $DEMO/drift.prom (Prometheus text),
# $DEMO/drift-oos.json (prediction and performance drift),
# $DEMO/drift-natr.ndjson (where the volatility, natr_14, changed regime).
set -euo pipefail

in=$DEMO/btc.features.zst
if [ ! -f "$in" ]; then
	echo "no $in (the features stage did not run): drift skipped"
	exit 0
fi

# features: the first 70% of the hours (the training period) against the
# last 30% (the test period); labels are left out by default.  Exit 3 means
# "at or above --fail-on" (HIGH): a cron job would retrain; never fail the
# demo on it, only on 1 or 2 (errors)
rc=0
bp-drift --ref-window first:70% --cur-window last:30% --name btc-features \
	-o "$DEMO/drift.json" --prom "$DEMO/drift.prom" --table "$in" || rc=$?
echo "bp-drift exit status: $rc ($(jq -r .recommendation "$DEMO/drift.json"))"
[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]

# the strongest findings, and the overall level as node_exporter sees it
jq -r '.findings[:6][] | [.level, .where, .test, .value] | @tsv' \
	"$DEMO/drift.json" | column -t -s "$(printf '\t')"
grep '^barpipe_drift_level' "$DEMO/drift.prom"

# prediction and performance drift: the first half of the out-of-sample
# period against the second half (score, signal mix, logloss/AUC/accuracy)
if [ -f "$DEMO/oos.zst" ]; then
	label=$(head -n 1 < <(zstd -dcq "$DEMO/oos.zst") |
		jq -r '[keys_unsorted[] | select(startswith("label_") and
			(endswith("_end") | not))][0] // empty')
	if [ -n "$label" ]; then
		rc=0
		bp-drift --ref-window first:50% --cur-window last:50% \
			--columns rsi_14 --label "$label" \
			-o "$DEMO/drift-oos.json" "$DEMO/oos.zst" || rc=$?
		[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]
		jq -r '"out-of-sample, first half vs second half: \(.level)",
			(.performance.metrics // {} | to_entries[] |
			 "  \(.key): \(.value.ref) -> \(.value.cur) (\(.value.level))")' \
			"$DEMO/drift-oos.json"
	fi
fi

# where the volatility (natr_14) changed regime, by ADWIN: one row per
# detected change, with the mean before and after (hourly volatility is
# autocorrelated, so expect more changes than independent values would give)
bp-drift detect --method adwin --column natr_14 --plain "$in" \
	>"$DEMO/drift-natr.ndjson"
echo "natr_14 regime changes (ADWIN): $(wc -l <"$DEMO/drift-natr.ndjson")"
head -3 "$DEMO/drift-natr.ndjson" |
	jq -c '{ts, direction, mean_before, mean_after}'
