#!/usr/bin/env bash
# cross_validate: a feature stream -> bp-cv run (time-series folds with
# purging and embargo, a model trained and scored per fold) -> per-fold
# metrics with their mean and spread [+ out-of-sample predictions].
set -euo pipefail
. "${0%/*}/common.sh"
mkscratch

scheme=$(arg SCHEME)
opts=(run --scheme "$scheme" --label "$(arg LABEL)" --seed "$(arg SEED)")
case $scheme in
cpcv) opts+=(--groups "$(arg FOLDS)") ;;
*) opts+=(--folds "$(arg FOLDS)") ;;
esac
strategy=$(arg STRATEGY)
if [ -n "$strategy" ]; then
	# a strategy name -> its spec (model kind, params, features)
	spec="strategies/$strategy.json"
	[ -f "$spec" ] || spec="$BP_SHARE/strategies/$strategy.json"
	[ -f "$spec" ] || die "no strategy '$strategy' (see list_strategies)"
	opts+=(--spec "$spec")
else
	opts+=(--model "$(arg KIND)")
fi
oos=$(arg OOS)
if [ -n "$oos" ]; then
	mkdir -p "$(dirname "$oos")"
	opts+=(--oos "$oos")
fi

progress 1 2 "training and scoring every fold"
# feature stream -> folds -> a model per fold -> summary [+ OOS stream]
bp-cv "${opts[@]}" --summary "$scratch/summary.json" "$(arg INPUT)"
progress 2 2 "done"
# summary -> the tool's result
jq -c --arg oos "$oos" '{summary: ., oos: (if $oos == "" then null else $oos end)}' \
	"$scratch/summary.json"
