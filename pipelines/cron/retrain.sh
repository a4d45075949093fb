#!/usr/bin/env bash
# retrain.sh: retrain a registered model on the bar cache and promote the
# new version only when it beats the active one on a holdout.  Run it
# after refresh-and-check.sh says 3 (drift), or on a schedule.
#
# The newest BP_HOLDOUT timestamps are held out; the candidate trains on
# the rows before them (minus those whose label reaches into the holdout),
# is registered, and both it and the active version predict the holdout
# (bp-model compare).  The candidate is promoted when its BP_METRIC is
# better by more than BP_MIN_GAIN, or when there is no active version;
# otherwise the active version stays and the candidate stays registered
# as a candidate (remove it with bp-model rm).
#
# Exit status:
#   0  done: promoted or kept (the decision is in BP_OUT/retrain.json)
#   1  a stage failed: no version registered, the active one unchanged
#   2  bad configuration: nothing done
#
# Settings (environment):
#   BP_MODEL       registered model name
#   BP_SPEC        strategy spec: features, label and model
#   BP_SYMBOL      symbol (BTCUSDT); BP_TIMEFRAME: cache timeframe (1h)
#   BP_TRAIN_BARS  newest cached bars to use (all)
#   BP_HOLDOUT     timestamps held out at the end (500)
#   BP_SEED        seed of the training (1)
#   BP_TRAIN_OPTS  more bp-train options (e.g. --params n_estimators=300)
#   BP_METRIC      holdout metric that decides (logloss; rmse when the
#                  model is a regression)
#   BP_MIN_GAIN    how much better the candidate must be (0)
#   BP_OUT         output directory ($BARPIPE_HOME/cron/$BP_MODEL)
#   BP_LOCK        lock file ($BP_OUT/retrain.lock); BP_LOCK_WAIT: seconds
#                  to wait for a run that holds it (3600), then exit 1
#   BP_DB          database ($BARPIPE_HOME/barpipe.db)
# See barpipe-experiments(7).
# (functions run through stage(), which shellcheck does not follow)
# shellcheck disable=SC2317
set -euo pipefail
# shellcheck source=pipelines/cron/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

need BP_MODEL
need BP_SPEC
symbol=${BP_SYMBOL:-BTCUSDT}
tf=${BP_TIMEFRAME:-1h}
BP_HOLDOUT=${BP_HOLDOUT:-500}
posint BP_HOLDOUT
BP_SEED=${BP_SEED:-1}
[[ $BP_SEED =~ ^[0-9]+$ ]] ||
	config_error "BP_SEED: '$BP_SEED' is not a non-negative integer"
last=()
if [ -n "${BP_TRAIN_BARS:-}" ]; then
	posint BP_TRAIN_BARS
	last=(--last "$BP_TRAIN_BARS")
fi
min_gain=${BP_MIN_GAIN:-0}
[[ $min_gain =~ ^[0-9]*\.?[0-9]+$ ]] ||
	config_error "BP_MIN_GAIN: '$min_gain' is not a non-negative number"
out=${BP_OUT:-$BARPIPE_HOME/cron/$BP_MODEL}
[ -r "$BP_SPEC" ] || config_error "BP_SPEC: cannot read '$BP_SPEC'"
label=$(jq -r '.model.label // empty' "$BP_SPEC") ||
	config_error "BP_SPEC: '$BP_SPEC' is not JSON"
[ -n "$label" ] || config_error "BP_SPEC: '$BP_SPEC' has no model.label"
words BP_TRAIN_OPTS
train_opts=("${words[@]}")

mkdir -p "$out" || { log "cannot create $out"; exit 1; }
take_lock "${BP_LOCK:-$out/retrain.lock}" "${BP_LOCK_WAIT:-3600}"
make_work "$out"
cleanup_note=": the registry is unchanged"

# a failure once the candidate is registered takes it out again
candidate=
on_failure() {
	if [ -n "$candidate" ]; then
		bp-model rm -q "${db[@]}" "$BP_MODEL@$candidate" &&
			log "removed the candidate $BP_MODEL@$candidate"
	fi
}

# the cache -> bars.zst: the bars to learn from
stage bars bp-fetch db -q "${db[@]}" --symbol "$symbol" --timeframe "$tf" \
	"${last[@]}" -o "$work/bars.zst"

# bars.zst -> features.zst: the spec's features and labels
stage features bp-features -q --spec "$BP_SPEC" --drop-warmup \
	-o "$work/features.zst" "$work/bars.zst"

# features.zst -> train.ndjson, holdout.ndjson: the last BP_HOLDOUT
# timestamps, and the rows before them whose label interval ends before
# the holdout starts (bp-cv purges the others)
split() {
	bp-cv split -q --scheme expanding --folds 1 --test-size "$BP_HOLDOUT" \
		--label "$label" --plain -o "$work/split.ndjson" \
		"$work/features.zst"
	jq -c 'select(.role == "train") | del(.fold, .role)' \
		"$work/split.ndjson" >"$work/train.ndjson"
	jq -c 'select(.role == "test") | del(.fold, .role)' \
		"$work/split.ndjson" >"$work/holdout.ndjson"
}
stage split split
log "split: $(wc -l <"$work/train.ndjson") rows to train on," \
	"$(wc -l <"$work/holdout.ndjson") held out"

# train.ndjson -> the registry: the next version of BP_MODEL, a candidate
register() {
	bp-train -q "${db[@]}" --spec "$BP_SPEC" --seed "$BP_SEED" \
		"${train_opts[@]}" --register "$BP_MODEL" "$work/train.ndjson"
	bp-model list "${db[@]}" "$BP_MODEL" --json >"$work/versions.json"
}
stage train register
candidate=$(jq 'map(.version) | max' "$work/versions.json")
active=$(jq 'map(select(.status == "active") | .version) | first // empty' \
	"$work/versions.json")
log "train: registered $BP_MODEL@$candidate"

# holdout.ndjson -> compare.json: the active version (a) and the
# candidate (b) predict the holdout, with their metrics on its labels
decision=promoted reason="no active version" metric='' a=null b=null
if [ -n "$active" ]; then
	stage compare bp-model compare -q "${db[@]}" --label "$label" \
		"$BP_MODEL@$active" "$BP_MODEL@$candidate" \
		"$work/holdout.ndjson" >"$work/compare.json"
	metric=${BP_METRIC:-$(jq -r 'if .b.task == "regression"
		then "rmse" else "logloss" end' "$work/compare.json")}
	a=$(jq --arg m "$metric" '.predictions.a[$m]' "$work/compare.json")
	b=$(jq --arg m "$metric" '.predictions.b[$m]' "$work/compare.json")
	# shellcheck disable=SC2016 # jq expressions, not shell ones
	case $metric in
	logloss | brier | mae | rmse) better='$b < $a - $g' ;;
	auc | accuracy | precision | recall | f1 | f1_macro | r2)
		better='$b > $a + $g' ;;
	*) log "BP_METRIC: '$metric' is not a metric bp-model compare gives"
		exit 1 ;;
	esac
	if [ "$a" = null ] || [ "$b" = null ]; then
		decision=kept reason="$metric is undefined on the holdout"
	elif jq -e -n --argjson a "$a" --argjson b "$b" \
		--argjson g "$min_gain" "$better" >/dev/null; then
		reason="$metric $b against $a"
	else
		decision=kept reason="$metric $b against $a"
	fi
fi

# the decision -> the registry (promote) and BP_OUT/retrain.json
current=decide
jq -n --arg model "$BP_MODEL" --argjson candidate "$candidate" \
	--argjson active "${active:-null}" --arg decision "$decision" \
	--arg reason "$reason" --arg metric "$metric" --argjson a "$a" \
	--argjson b "$b" --argjson holdout "$(wc -l <"$work/holdout.ndjson")" \
	'{model: $model, candidate: $candidate, active_before: $active,
	  decision: $decision, reason: $reason,
	  metric: (if $metric == "" then null else $metric end),
	  active_value: $a, candidate_value: $b, holdout_rows: $holdout}' \
	>"$work/retrain.json"
if [ "$decision" = promoted ]; then
	stage promote bp-model promote -q "${db[@]}" "$BP_MODEL@$candidate"
fi
candidate_v=$candidate candidate=
cleanup_note=
publish retrain.json
if [ "$decision" = promoted ]; then
	log "promoted $BP_MODEL@$candidate_v ($reason)"
else
	log "kept $BP_MODEL@$active active; $BP_MODEL@$candidate_v stays a" \
		"candidate ($reason)"
fi
finish 0
