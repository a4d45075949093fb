#!/usr/bin/env bash
# demo: walk-forward evaluation
# In: $DEMO/btc.features.zst (features and labels with their _end columns,
# from 20-features.sh); the strategy spec's model when strategies/ has one.
# Out: $DEMO/cv-summary.json (per-fold metrics, their mean and std) and
# $DEMO/oos.zst (out-of-sample rows with score, signal, fold), which the
# backtest stage reads.
set -euo pipefail

in=$DEMO/btc.features.zst
if [ ! -f "$in" ]; then
	echo "no $in (the features stage did not run): cv skipped"
	exit 0
fi

# the label: label_up when the stream has it, else the first label_* that
# comes with its _end column (read through process substitution so that
# head closing the pipe does not fail the stage under pipefail)
label=$(head -n 1 < <(zstd -dcq "$in") | jq -r '. as $r
	| if has("label_up") then "label_up" else
	  ([keys_unsorted[] | select(startswith("label_") and
	    (endswith("_end") | not)) | select(. as $k | $r | has($k + "_end"))]
	   | .[0] // empty) end')
if [ -z "$label" ]; then
	echo "no label column in $in: cv skipped"
	exit 0
fi

# the model: the sample strategy's (its spec's model section), else gbdt
model=(--model "${CV_MODEL:-gbdt}")
for spec in strategies/*.json; do
	[ -f "$spec" ] || continue
	if jq -e '.model.kind' "$spec" >/dev/null 2>&1; then
		model=(--spec "$spec")
		break
	fi
done

# walk-forward over the hourly bars: train on 4000 hours (about 5.5
# months), skip 24 hours, test the next 720 (30 days), then move on by 720;
# out-of-sample predictions and the summary of every fold
bp-cv run --scheme walk-forward --train-size 4000 --test-size 720 \
	--embargo 24 "${model[@]}" --label "$label" --seed 1 \
	--oos "$DEMO/oos.zst" --summary "$DEMO/cv-summary.json" "$in"

# the per-fold metric table
jq -r '
	(.model.task == "regression") as $reg
	| (if $reg then ["mae", "rmse", "r2"]
	   else ["logloss", "auc", "accuracy"] end) as $m
	| (["fold", "test_first", "test_last", "n"] + $m | @tsv),
	  (.folds[] | [.fold, .test.first, .test.last, .metrics.n] +
	   [.metrics[$m[]] | if . == null then "-" else
	    (. * 10000 | round / 10000) end] | @tsv),
	  (["mean", "", "", ""] + [.mean[$m[]] | if . == null then "-"
	   else (. * 10000 | round / 10000) end] | @tsv),
	  (["std", "", "", ""] + [.std[$m[]] | if . == null then "-"
	   else (. * 10000 | round / 10000) end] | @tsv)
' "$DEMO/cv-summary.json" | column -t -s "$(printf '\t')"
echo "out-of-sample predictions: $DEMO/oos.zst ($(zstd -dcq "$DEMO/oos.zst" | wc -l) rows)"
