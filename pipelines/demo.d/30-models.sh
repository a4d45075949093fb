#!/usr/bin/env bash
# demo: train and predict
# In: $DEMO/btc.features.zst (features and labels, from 20-features.sh);
# strategies/rsi_gbdt.json (the model's kind, label, parameters, features).
# Out: $DEMO/btc.model.json (the model file), the registry's btc-gbdt
# (a new version, promoted to active), $DEMO/btc.pred.zst (the last 30% of
# the rows with score and signal, which the backtest stage can trade).
set -euo pipefail

in=$DEMO/btc.features.zst
if [ ! -f "$in" ]; then
	echo "no $in (the features stage did not run): models skipped"
	exit 0
fi

# rows in time order: the first 70% to train on, the rest to predict
n=$(zstd -dcq "$in" | wc -l)
cut=$((n * 7 / 10))
zstd -dcq "$in" | awk -v c="$cut" 'NR <= c' | zstd -qf -o "$DEMO/btc.train.zst"
zstd -dcq "$in" | awk -v c="$cut" 'NR > c' | zstd -qf -o "$DEMO/btc.test.zst"
echo "rows: $n, training on the first $cut"

# features -> model file, registered as the next version of btc-gbdt
# (early stopping on the last 20% of the training rows)
bp-train --spec strategies/rsi_gbdt.json --seed 1 \
	-o "$DEMO/btc.model.json" --register btc-gbdt "$DEMO/btc.train.zst"
version=$(bp-model list btc-gbdt --json | jq 'map(.version) | max')
bp-model promote "btc-gbdt@$version"
jq -r '"trees: \(.fit.trees), best round \(.fit.best_iteration + 1);"
	+ " top features: \(.importance | to_entries | sort_by(-.value)
	| .[:3] | map("\(.key) \(.value * 100 | round)%") | join(", "))"' \
	"$DEMO/btc.model.json"

# the active version scores the held-out rows: score and signal appended
bp-predict --model btc-gbdt -o "$DEMO/btc.pred.zst" "$DEMO/btc.test.zst"

# the signals it gives, and how the model does on rows it never saw
echo "signals on the held-out rows:"
zstd -dcq "$DEMO/btc.pred.zst" | jq -r .signal | sort -n | uniq -c
bp-model compare btc-gbdt "$DEMO/btc.model.json" "$DEMO/btc.test.zst" |
	jq -r '.predictions.a | "held-out rows: \(.n), logloss \(.logloss
	* 10000 | round / 10000), auc \(.auc * 10000 | round / 10000),"
	+ " accuracy \(.accuracy * 10000 | round / 10000)"'
rm -f "$DEMO/btc.train.zst" "$DEMO/btc.test.zst"
