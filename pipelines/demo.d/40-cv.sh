#!/usr/bin/env bash
# demo: walk-forward evaluation
# In: $DEMO/btc.features.zst (features and labels with their _end columns,
# from 20-features.sh); strategies/rsi_gbdt.json (model, label, features).
# Out: $DEMO/cv-summary.json (per-fold metrics, their mean and std) and
# $DEMO/oos.zst (out-of-sample rows with score, signal, fold), which the
# backtest stage reads.
set -euo pipefail

in=$DEMO/btc.features.zst
if [ ! -f "$in" ]; then
	echo "no $in (the features stage did not run): cv skipped"
	exit 0
fi

# the sample strategy (the spec 20-features.sh used): its model, label and
# features (CV_SPEC names another spec)
spec=${CV_SPEC:-strategies/rsi_gbdt.json}

# walk-forward over the hourly bars: train on 4000 hours (about 5.5
# months), skip 24 hours, test the next 720 (30 days), then move on by 720;
# out-of-sample predictions and the summary of every fold
bp-cv run --scheme walk-forward --train-size 4000 --test-size 720 \
	--embargo 24 --seed 1 --spec "$spec" \
	--oos "$DEMO/oos.zst" --summary "$DEMO/cv-summary.json" "$in"

# the per-fold metric table
jq -r '"model \(.model.kind), label \(.model.label),"
	+ " \(.model.features | length) features, \(.n_folds) folds"' \
	"$DEMO/cv-summary.json"
jq -r '
	((.model.task == "regression") as $reg
	| (if $reg then ["mae", "rmse", "r2"]
	   else ["logloss", "auc", "accuracy"] end) as $m
	| def r: if . == null then "-" else (. * 10000 | round / 10000) end;
	  (["fold", "test_first", "test_last", "n"] + $m | @tsv),
	  (.folds[] | [.fold, .test.first, .test.last, .metrics.n] +
	   [.metrics[$m[]] | r] | @tsv),
	  (["mean", "", "", ""] + [.mean[$m[]] | r] | @tsv),
	  (["std", "", "", ""] + [.std[$m[]] | r] | @tsv))
' "$DEMO/cv-summary.json" | column -t -s "$(printf '\t')"
echo "out-of-sample predictions: $DEMO/oos.zst" \
	"($(zstd -dcq "$DEMO/oos.zst" | wc -l) rows)"
