#!/usr/bin/env bash
# refresh-and-check.sh: the hourly cron job.  Bring the bar cache up to
# date, score the recent window with the active registered model and
# check its drift.
#
# Exit status (for cron and for `refresh-and-check.sh || ...`):
#   0  done: cache updated, signals and drift report published
#   3  done, and the drift reached BP_FAIL_ON (default HIGH): retrain
#   1  a stage failed: the cache and BP_OUT are as they were
#   2  bad configuration (a setting missing or wrong): nothing done
#
# Settings (environment):
#   BP_MODEL         registered model to score with (its active version)
#   BP_SPEC          strategy spec that computes the model's features
#   BP_SOURCE        binance (default), coinbase or csv
#   BP_SYMBOL        symbol (BTCUSDT); BP_TIMEFRAME: interval and cache
#                    timeframe (1h)
#   BP_CSV           the CSV file to read when BP_SOURCE is csv
#   BP_SINCE         binance, coinbase: first bar wanted (default "cache":
#                    after the last cached bar; give a time on the first run)
#   BP_FETCH_OPTS    more bp-fetch options (e.g. --base-url URL, --format F)
#   BP_BARS          bars in the recent window (1000)
#   BP_PREDICT_OPTS  more bp-predict options (e.g. --long 0.6 --long-only)
#   BP_REF_WINDOW, BP_CUR_WINDOW
#                    the drift reference and current rows of the window
#                    (first:70%, last:30%)
#   BP_DRIFT_REF     a reference stream instead of BP_REF_WINDOW
#   BP_DRIFT_COLUMNS columns to compare (default: the model's features)
#   BP_DRIFT_OPTS    more bp-drift options (thresholds, --label COL)
#   BP_FAIL_ON       drift level that makes the exit status 3 (HIGH)
#   BP_OUT           output directory ($BARPIPE_HOME/cron/$BP_MODEL)
#   BP_LOCK          lock file ($BP_OUT/refresh.lock); BP_LOCK_WAIT: seconds
#                    to wait for a run that holds it (3600), then exit 1
#   BP_DB            database ($BARPIPE_HOME/barpipe.db)
#
# Outputs in BP_OUT, each replaced whole by a rename: signals.zst (the
# window's features with score and signal), latest.json (the last bar's
# score and signal), drift.json and drift.prom (bp-drift's report and its
# Prometheus text).  See barpipe-experiments(7).
# (functions run through stage(), which shellcheck does not follow)
# shellcheck disable=SC2317
set -euo pipefail
# shellcheck source=pipelines/cron/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

need BP_MODEL
need BP_SPEC
source_=${BP_SOURCE:-binance}
symbol=${BP_SYMBOL:-BTCUSDT}
tf=${BP_TIMEFRAME:-1h}
BP_BARS=${BP_BARS:-1000}
posint BP_BARS
fail_on=${BP_FAIL_ON:-HIGH}
out=${BP_OUT:-$BARPIPE_HOME/cron/$BP_MODEL}
case $source_ in
binance | coinbase) ;;
csv) need BP_CSV ;;
*) config_error "BP_SOURCE: '$source_' is not binance, coinbase or csv" ;;
esac
[ -r "$BP_SPEC" ] || config_error "BP_SPEC: cannot read '$BP_SPEC'"
if [ -n "${BP_DRIFT_REF:-}" ] && [ ! -r "$BP_DRIFT_REF" ]; then
	config_error "BP_DRIFT_REF: cannot read '$BP_DRIFT_REF'"
fi
words BP_FETCH_OPTS
fetch_opts=("${words[@]}")
words BP_PREDICT_OPTS
predict_opts=("${words[@]}")
words BP_DRIFT_OPTS
drift_opts=("${words[@]}")

mkdir -p "$out" || { log "cannot create $out"; exit 1; }
take_lock "${BP_LOCK:-$out/refresh.lock}" "${BP_LOCK_WAIT:-3600}"
make_work "$out"
cleanup_note=": the cache and $out are unchanged"

# bars as CSV for bp-fetch csv: the header, then one line per bar
to_csv() {
	printf 'ts,open,high,low,close,volume\n'
	jq -r '[.ts, .open, .high, .low, .close, .volume] | @csv' "$1"
}

# the source -> new.ndjson: the bars it has, validated; nothing is stored
# in the cache before every later stage has succeeded
fetch_new() {
	case $source_ in
	csv)
		bp-fetch csv -q --plain --symbol "$symbol" --timeframe "$tf" \
			"${fetch_opts[@]}" -o "$work/new.ndjson" "$BP_CSV" ;;
	*)
		bp-fetch "$source_" -q --plain "${db[@]}" --symbol "$symbol" \
			--interval "$tf" --since "${BP_SINCE:-cache}" \
			"${fetch_opts[@]}" -o "$work/new.ndjson" ;;
	esac
}
stage fetch fetch_new
new=$(wc -l <"$work/new.ndjson")
log "fetch: $new bars read from $source_"

# the cache's last BP_BARS bars and new.ndjson -> window.ndjson: the
# last BP_BARS bars of both, in time order, a new bar replacing a cached
# one of the same time (what the cache will hold once the new bars are
# in).  Only the last BP_BARS of each can be among them.
window() {
	local csvs=()
	bp-fetch db -q --plain "${db[@]}" --symbol "$symbol" --timeframe "$tf" \
		--last "$BP_BARS" -o "$work/cached.ndjson"
	if [ -s "$work/cached.ndjson" ]; then
		to_csv "$work/cached.ndjson" >"$work/cached.csv"
		csvs+=("$work/cached.csv")
	fi
	if [ -s "$work/new.ndjson" ]; then
		tail -n "$BP_BARS" "$work/new.ndjson" >"$work/newest.ndjson"
		to_csv "$work/newest.ndjson" >"$work/newest.csv"
		csvs+=("$work/newest.csv")
	fi
	if [ "${#csvs[@]}" -eq 0 ]; then
		echo "no bars of $symbol $tf, cached or new" >&2
		return 1
	fi
	bp-fetch csv -q --plain --format generic --symbol "$symbol" \
		--timeframe "$tf" --dupes last -o "$work/merged.ndjson" "${csvs[@]}"
	tail -n "$BP_BARS" "$work/merged.ndjson" >"$work/window.ndjson"
}
stage window window
log "window: $(wc -l <"$work/window.ndjson") bars"

# window.ndjson -> features.zst: the spec's features (and labels), from
# the first bar where every feature is known
stage features bp-features -q --spec "$BP_SPEC" --drop-warmup \
	-o "$work/features.zst" "$work/window.ndjson"

# features.zst -> signals.zst: score and signal of the model's active
# version appended to every row
stage predict bp-predict -q "${db[@]}" --model "$BP_MODEL" \
	"${predict_opts[@]}" -o "$work/signals.zst" "$work/features.zst"

# signals.zst -> latest.json: the last bar's time, close, score, signal
latest() {
	zstd -dcq "$work/signals.zst" | tail -n 1 |
		jq -c --arg model "$BP_MODEL" \
		'{ts, symbol, close, score, signal, model: $model}' \
		>"$work/latest.json"
	[ -s "$work/latest.json" ] || { echo "no rows scored" >&2; return 1; }
}
stage latest latest

# signals.zst (features, score, signal) -> drift.json, drift.prom: the
# current rows against the reference rows; bp-drift exits 3 at BP_FAIL_ON
columns=${BP_DRIFT_COLUMNS:-}
if [ -z "$columns" ]; then
	stage columns bp-model show "${db[@]}" "$BP_MODEL" -q \
		>"$work/model.json"
	columns=$(jq -r '.features | join(",")' "$work/model.json")
fi
if [ -n "${BP_DRIFT_REF:-}" ]; then
	samples=(--ref "$BP_DRIFT_REF" --cur-window "${BP_CUR_WINDOW:-last:30%}")
else
	samples=(--ref-window "${BP_REF_WINDOW:-first:70%}"
		--cur-window "${BP_CUR_WINDOW:-last:30%}")
fi
rc=0
stage drift bp-drift -q "${samples[@]}" --columns "$columns" \
	--fail-on "$fail_on" --name "$BP_MODEL" "${drift_opts[@]}" \
	-o "$work/drift.json" --prom "$work/drift.prom" \
	"$work/signals.zst" || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
	exit 1
fi
log "drift: $(jq -r '.level + " (" + .recommendation + ")"' \
	"$work/drift.json")"

# the new bars -> the cache, upserted in one transaction: the CSV file
# read again, or the exchange's bars as CSV
commit() {
	case $source_ in
	csv)
		bp-fetch csv -q "${db[@]}" --symbol "$symbol" --timeframe "$tf" \
			"${fetch_opts[@]}" --store --batch 10000000 \
			-o "$work/stored.zst" "$BP_CSV" ;;
	*)
		to_csv "$work/new.ndjson" >"$work/new.csv"
		bp-fetch csv -q "${db[@]}" --format generic --symbol "$symbol" \
			--timeframe "$tf" --store --batch 10000000 \
			-o "$work/stored.zst" "$work/new.csv" ;;
	esac
}
if [ "$new" -gt 0 ]; then
	stage store commit
fi
cleanup_note=

# the work directory -> BP_OUT, one rename per file
current=publish
publish signals.zst latest.json drift.prom drift.json
log "done: $(jq -c '{ts, score, signal}' "$out/latest.json")"
if [ "$rc" -eq 3 ]; then
	log "drift at or above $fail_on: exit 3"
fi
finish "$rc"
