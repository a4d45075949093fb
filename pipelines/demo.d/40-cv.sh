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
# features; CV_SPEC names another spec, CV_MODEL another model kind
spec=${CV_SPEC:-strategies/rsi_gbdt.json}

# walk-forward over the hourly bars: train on 4000 hours (about 5.5
# months), skip 24 hours, test the next 720 (30 days), then move on by 720;
# out-of-sample predictions and the summary of every fold
cv=(bp-cv run --scheme walk-forward --train-size 4000 --test-size 720
	--embargo 24 --seed 1 --oos "$DEMO/oos.zst"
	--summary "$DEMO/cv-summary.json")
rc=0
"${cv[@]}" --spec "$spec" ${CV_MODEL:+--model "$CV_MODEL"} "$in" \
	2>"$DEMO/cv.err" || rc=$?
if [ "$rc" -ne 0 ]; then
	# a build whose model library lacks the spec's kind: say so, and
	# evaluate a logistic regression on the same features instead
	if grep -qE 'not available yet|unknown parameter' "$DEMO/cv.err"; then
		echo "note: $(jq -r .model.kind "$spec") is not available in" \
			"this build: a logistic regression is evaluated instead"
		"${cv[@]}" --model logreg \
			--label "$(jq -r .model.label "$spec")" \
			--features "$(jq -r '.model.features | join(",")' \
				"$spec")" "$in"
	else
		cat "$DEMO/cv.err" >&2
		exit "$rc"
	fi
fi
rm -f "$DEMO/cv.err"

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
