#!/usr/bin/env bats
# pipelines.bats: the Make fragment for experiments (pipelines/experiment.mk,
# experiments/) and the cron jobs (pipelines/cron/), offline, on the sample
# data and small fixtures.
load helper

setup() { bp_setup; }

PF=$FIX/pipelines
CRON=$ROOT/pipelines/cron
EXPMK=$PF/experiments.mk

# the directory of the tools the tests run (a wrapper directory when
# BP_EXEC_PREFIX is set)
bindir() {
	local t
	t=$(command -v bp-fetch) && dirname "$t"
}

# xmake ARGS...: the fixture experiments (zz on the zigzag fixture, spy on
# the SPY sample) into ./out/exp
xmake() {
	make --no-print-directory -f "$EXPMK" BP_BIN="$(bindir)" "$@"
}

# mtimes FILE...: modification times to the nanosecond
mtimes() {
	stat -c '%y %n' "$@"
}

# seed_btc N: the cache holds the BTCUSDT sample but for its newest N bars;
# seed.csv is that cut of the vendor file
seed_btc() {
	{ sed -n 1,2p "$SAMPLE/BTCUSDT-1h.csv"
	  tail -n +"$(($1 + 3))" "$SAMPLE/BTCUSDT-1h.csv"; } >seed.csv
	bp-fetch csv -q --symbol BTCUSDT --store seed.csv >/dev/null
}

# cached SYMBOL: how many bars of SYMBOL 1h the cache holds
cached() {
	bp-fetch db --list --plain | jq -r --arg s "$1" \
		'select(.symbol == $s) | .count'
}

# btc_model: the active version of the registered model "btc", trained on
# the cache with the fixture spec
btc_model() {
	bp-fetch db -q --symbol BTCUSDT --timeframe 1h |
		bp-features -q --spec "$PF/btc.json" --drop-warmup -o feat.zst
	bp-train -q --spec "$PF/btc.json" --seed 1 --register btc feat.zst
	bp-model promote -q btc@1
}

# cron_env: the refresh job offline on the BTCUSDT sample (csv source)
cron_env() {
	export BP_SOURCE=csv BP_CSV=$SAMPLE/BTCUSDT-1h.csv BP_SYMBOL=BTCUSDT \
		BP_TIMEFRAME=1h BP_MODEL=btc BP_SPEC=$PF/btc.json
}

# zz_env: the retrain job on the zigzag fixture in the cache; a candidate
# trained with BP_TRAIN_OPTS=$WEAK barely learns, one with the spec's
# parameters learns the zigzag
WEAK='--params n_estimators=1,learning_rate=0.01'
zz_env() {
	bp-fetch csv -q --symbol ZZ --store "$PF/zigzag.csv" >/dev/null
	export BP_MODEL=zz BP_SPEC=$PF/zigzag.json BP_SYMBOL=ZZ \
		BP_TIMEFRAME=1h BP_HOLDOUT=100
}

active() {
	bp-model list "$1" --json | jq -r 'map(select(.status == "active"))
		| first | .version // "none"'
}

# ---- experiment.mk ---------------------------------------------------------

@test "experiment.mk: one experiment builds every target, nothing left over" {
	run -0 xmake zz
	local f
	for f in bars.zst features.zst cv.json oos.zst summary.json equity.zst \
		trades.zst report.html drift.json result.json; do
		[ -s "out/exp/zz/$f" ] || { echo "missing $f"; false; }
	done
	# (the other experiment has its option stamps only)
	[ -z "$(ls out/exp/spy)" ]
	[ "$(jq -r .format out/exp/zz/summary.json)" = barpipe-backtest ]
	[ "$(jq -r .n_folds out/exp/zz/cv.json)" = 3 ]
	[ "$(jq -r .model.seed out/exp/zz/cv.json)" = 1 ]
	[ "$(jq -r .format out/exp/zz/drift.json)" = barpipe-drift-report ]
	[ "$(jq -r .name out/exp/zz/drift.json)" = zz ]
	grep -q '<html' out/exp/zz/report.html
	# the stream stages chain: oos rows are features rows with score
	[ "$(unz out/exp/zz/oos.zst | head -1 | jq 'has("score") and
		has("rsi_14")')" = true ]
	# the result row is taken from the summaries
	run -0 jq -c . out/exp/zz/result.json
	[ "$(jq .sharpe out/exp/zz/result.json)" = \
		"$(jq .sharpe out/exp/zz/summary.json)" ]
	[ "$(jq .cv_mean out/exp/zz/result.json)" = \
		"$(jq .mean.logloss out/exp/zz/cv.json)" ]
	no_temp_left out
}

@test "experiment.mk: make -q says out of date before, up to date after" {
	run -1 xmake -q
	run -0 xmake -j2
	run -0 xmake -q
	run -0 xmake -q zz
	run -0 --separate-stderr xmake
	[[ $output == *"Nothing to be done"* ]]
}

@test "experiment.mk: a touched spec rebuilds features and after, not bars" {
	run -0 xmake zz
	local d=out/exp/zz before after
	cp "$PF/zigzag.json" spec.json
	run -0 xmake zz zz.spec="$PWD/spec.json"
	before=$(mtimes $d/*)
	touch spec.json
	run -1 xmake -q zz zz.spec="$PWD/spec.json"
	run -0 xmake zz zz.spec="$PWD/spec.json"
	[[ $output == *bp-features* ]]
	[[ $output != *bp-fetch* ]]
	after=$(mtimes $d/*)
	local f
	# bars.zst is the same file; every file after the spec is new
	[ "$(grep ' out/exp/zz/bars.zst$' <<<"$before")" = \
		"$(grep ' out/exp/zz/bars.zst$' <<<"$after")" ]
	for f in features.zst cv.json oos.zst summary.json equity.zst \
		trades.zst report.html drift.json result.json; do
		[ "$(grep " $d/$f\$" <<<"$before")" != \
			"$(grep " $d/$f\$" <<<"$after")" ] ||
			{ echo "$f was not rebuilt"; false; }
	done
	run -0 xmake -q zz zz.spec="$PWD/spec.json"
}

@test "experiment.mk: a changed setting rebuilds its stage and after" {
	run -0 xmake zz
	run -0 xmake zz zz.backtest='--fee-bps 5'
	[[ $output == *bp-backtest* && $output == *bp-report* ]]
	[[ $output != *bp-cv* && $output != *bp-features* &&
		$output != *bp-drift* && $output != *bp-fetch* ]]
	[ "$(jq .assumptions.fee_bps out/exp/zz/summary.json)" = 5 ]
	run -0 xmake -q zz zz.backtest='--fee-bps 5'
	run -1 xmake -q zz
	run -0 xmake zz zz.seed=2
	[[ $output == *bp-cv* && $output == *bp-drift* ]]
	[[ $output != *bp-features* ]]
	[ "$(jq .model.seed out/exp/zz/cv.json)" = 2 ]
	run -0 xmake zz zz.seed=2 zz.features='--drop-warmup --calendar'
	[[ $output == *bp-features* && $output != *bp-fetch* ]]
	[ "$(unz out/exp/zz/features.zst | head -1 | jq 'has("hour")')" = true ]
}

@test "experiment.mk: a failing stage leaves no target behind" {
	# a spec bp-features refuses: bars.zst only
	echo '{"name": "bad", "indicators": ["nope:3"]}' >bad.json
	run -2 --separate-stderr xmake zz zz.spec="$PWD/bad.json"
	[[ $stderr == *bad.json* ]]
	[ -s out/exp/zz/bars.zst ]
	local f
	for f in features.zst cv.json oos.zst summary.json report.html \
		drift.json result.json; do
		[ ! -e "out/exp/zz/$f" ] || { echo "left: $f"; false; }
	done
	no_temp_left out
	# a backtest option bp-backtest refuses, after a complete build: the
	# backtest's three outputs and what depends on them are gone
	run -0 xmake zz
	run -2 --separate-stderr xmake zz zz.backtest='--fill nowhere'
	[[ $stderr == *nowhere* ]]
	[ -s out/exp/zz/cv.json ] && [ -s out/exp/zz/oos.zst ]
	[ ! -e out/exp/zz/summary.json ] && [ ! -e out/exp/zz/equity.zst ] &&
		[ ! -e out/exp/zz/trades.zst ]
	no_temp_left out
	run -1 xmake -q zz
}

# fakebin TOOL SCRIPT: ./fake holds every tool, TOOL replaced by a script
# that runs the real one and then does SCRIPT
fakebin() {
	local t real
	real=$(bindir)
	mkdir -p fake
	for t in "$real"/bp-*; do
		case $t in *.c|*.o|*.d) continue ;; esac
		ln -sf "$t" fake/
	done
	rm -f "fake/$1"
	printf '#!/bin/sh\n"%s/%s" "$@" || exit\n%s\n' "$real" "$1" "$2" \
		>"fake/$1"
	chmod +x "fake/$1"
}

@test "experiment.mk: a crashed or interrupted stage leaves none of its files" {
	command -v setsid >/dev/null || skip "setsid not installed"
	# bp-backtest writes its three files, then fails: all three go
	fakebin bp-backtest 'exit 1'
	run -2 --separate-stderr xmake zz BP_BIN="$PWD/fake"
	[ -s out/exp/zz/oos.zst ]
	[ ! -e out/exp/zz/summary.json ] && [ ! -e out/exp/zz/equity.zst ] &&
		[ ! -e out/exp/zz/trades.zst ]
	rm -rf out fake
	# bp-cv writes cv.json and oos.zst, then the whole make is terminated
	# (in a session of its own, so that the signal reaches make alone)
	fakebin bp-cv 'kill -TERM 0; sleep 5'
	run setsid make --no-print-directory -f "$EXPMK" BP_BIN="$PWD/fake" zz
	[ "$status" -ne 0 ]
	[ -s out/exp/zz/features.zst ]
	[ ! -e out/exp/zz/cv.json ] && [ ! -e out/exp/zz/oos.zst ]
	no_temp_left out
	# the next make finishes the job
	run -0 xmake zz
	[ -s out/exp/zz/report.html ]
}

@test "experiment.mk: two runs give byte-identical outputs" {
	run -0 xmake -j2
	mv out first
	run -0 xmake -j2
	local f n=0
	for f in $(cd first && find . -type f | sort); do
		cmp "first/$f" "out/$f"
		case $f in */.*) ;; *) n=$((n + 1)) ;; esac
	done
	# 10 files per experiment and results.tsv (and option stamps)
	[ "$n" -eq 21 ]
	# and another seed gives another model
	run -0 xmake spy spy.seed=8 EXP_OUT=seed8
	cmp out/exp/spy/cv.json seed8/spy/cv.json && false
	[ "$(jq .model.seed seed8/spy/cv.json)" = 8 ]
}

@test "experiment.mk: results.tsv has a header and one row per experiment" {
	run -0 xmake -j2 results
	run -0 cat out/exp/results.tsv
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[0]}" = "$(printf 'name\tmetric\tcv_mean\tcv_std\tfolds\tsharpe\ttotal_return\tmax_drawdown\ttrades\tdrift')" ]
	[ "$(cut -f1 out/exp/results.tsv | tail -n +2 | tr '\n' ' ')" = "zz spy " ]
	local row
	row=$(grep '^spy' out/exp/results.tsv)
	[ "$(cut -f2 <<<"$row")" = logloss ]
	[ "$(cut -f3 <<<"$row")" = "$(jq .mean.logloss out/exp/spy/cv.json)" ]
	[ "$(cut -f6 <<<"$row")" = "$(jq .sharpe out/exp/spy/summary.json)" ]
	[ "$(cut -f9 <<<"$row")" = "$(jq .trades out/exp/spy/summary.json)" ]
	[ "$(cut -f10 <<<"$row")" = "$(jq -r .level out/exp/spy/drift.json)" ]
	# another metric of the cv summary, per experiment: a changed setting
	# rebuilds what it affects
	run -0 xmake results spy.metric=auc
	[[ $output != *bp-* ]]
	[ "$(grep '^spy' out/exp/results.tsv | cut -f2,3)" = \
		"$(printf 'auc\t%s' "$(jq .mean.auc out/exp/spy/cv.json)")" ]
}

@test "experiment.mk: record writes each experiment to the experiments table" {
	command -v bp-mcp >/dev/null || skip "bp-mcp is not built here"
	run -0 xmake -j2 record
	run -0 sqlite3 "$BARPIPE_HOME/barpipe.db" \
		'SELECT name, status FROM experiments ORDER BY id'
	[ "${#lines[@]}" -eq 2 ]
	[[ $output == *"zz|open"* && $output == *"spy|open"* ]]
	run -0 sqlite3 "$BARPIPE_HOME/barpipe.db" \
		"SELECT hypothesis, notes, spec FROM experiments WHERE name = 'zz'"
	[[ $output == "the last return's sign gives the zigzag's next one|"* ]]
	[ "$(sqlite3 "$BARPIPE_HOME/barpipe.db" \
		"SELECT notes FROM experiments WHERE name = 'zz'")" = \
		"$(cat out/exp/zz/result.json)" ]
	[ "$(sqlite3 "$BARPIPE_HOME/barpipe.db" "SELECT spec FROM experiments
		WHERE name = 'zz'" | jq -r '.strategy.name, .cv, .seed')" = \
		"$(printf 'zigzag\n--scheme expanding --folds 3\n1')" ]
	# once per result: nothing new until a result changes
	run -0 xmake record
	[ "$(sqlite3 "$BARPIPE_HOME/barpipe.db" \
		'SELECT count(*) FROM experiments')" -eq 2 ]
}

@test "experiment.mk: a cached source rebuilds only when its bars change" {
	bp-fetch csv -q --symbol SPY --timeframe 1d --store \
		"$SAMPLE/SPY-1d.csv" >/dev/null
	cat >cache.mk <<-EOF
	include $ROOT/pipelines/experiment.mk
	c.symbol = SPY
	c.timeframe = 1d
	c.until = 2020-12-31
	c.spec = $PF/spy.json
	c.cv = --scheme expanding --folds 3
	\$(eval \$(call bp_experiment,c))
	EOF
	run -0 make -f cache.mk BP_BIN="$(bindir)"
	[ -s out/exp/c/report.html ]
	[ "$(jq -r .last out/exp/c/cv.json)" \< 2021-01-01 ]
	local before
	before=$(mtimes out/exp/c/*)
	# the cache is read again (make -q cannot know) but nothing changes
	run -1 make -q -f cache.mk BP_BIN="$(bindir)"
	run -0 make -f cache.mk BP_BIN="$(bindir)"
	[[ $output != *bp-features* ]]
	[ "$(mtimes out/exp/c/*)" = "$before" ]
	no_temp_left out
	# a wider window: new bars, a new experiment
	run -0 make -f cache.mk BP_BIN="$(bindir)" c.until=2022-12-31
	[[ $output == *bp-features* ]]
	[ "$(jq -r .last out/exp/c/cv.json)" \> 2021-01-01 ]
}

@test "experiments/Makefile: defines the example experiments on the sample" {
	run -0 make --no-print-directory -C "$ROOT/experiments" -n -p \
		EXP_OUT="$PWD/out"
	[[ $output == *"EXPERIMENTS := rsi_gbdt rsi_logreg trend_sma_adx"* ]]
	# every spec it names is a spec bp-features accepts
	local s
	for s in "$ROOT/strategies/rsi_gbdt.json" \
		"$ROOT/experiments/rsi_logreg.json" \
		"$ROOT/strategies/trend_sma_adx.json"; do
		run -0 bp-features --spec "$s" --plain </dev/null
	done
	[ "$(jq -r .model.kind "$ROOT/experiments/rsi_logreg.json")" = logreg ]
}

# ---- refresh-and-check.sh ------------------------------------------------

@test "refresh-and-check: 0 on the sample, new bars stored, outputs whole" {
	seed_btc 200
	btc_model
	[ "$(cached BTCUSDT)" -eq 8560 ]
	cron_env
	run -0 --separate-stderr "$CRON/refresh-and-check.sh"
	[ "$(cached BTCUSDT)" -eq 8760 ]
	local out=$BARPIPE_HOME/cron/btc
	[ -s "$out/signals.zst" ] && [ -s "$out/drift.json" ] &&
		[ -s "$out/drift.prom" ] && [ -s "$out/latest.json" ]
	# the window is the newest 1000 bars, less the features' warm-up
	[ "$(unz "$out/signals.zst" | tail -1 | jq -r .ts)" = \
		2020-09-28T07:00:00Z ]
	[ "$(unz "$out/signals.zst" | wc -l)" -gt 950 ]
	[ "$(unz "$out/signals.zst" | wc -l)" -le 1000 ]
	run -0 jq -r '[.ts, .symbol, .model, (.signal | tostring)] | join(" ")' \
		"$out/latest.json"
	[[ $output == "2020-09-28T07:00:00Z BTCUSDT btc "* ]]
	[ "$(jq -r .level "$out/drift.json")" != HIGH ]
	[ "$(jq -r .level "$out/drift.json")" != CRITICAL ]
	[ "$(jq -r '.columns | map(.column) | join(",")' "$out/drift.json")" = \
		rsi_14,ret_1,ret_3,hour,weekday ]
	grep -q '^barpipe_drift_level' "$out/drift.prom"
	# every log line: a UTC timestamp and the job's name
	local line
	while IFS= read -r line; do
		[[ $line =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z\ refresh-and-check:\  ]] ||
			{ echo "bad log line: $line"; false; }
	done <<<"$stderr"
	[[ $stderr == *"fetch: 8760 bars read from csv"* && $stderr == *"done: "* ]]
	no_temp_left "$BARPIPE_HOME"
	# a second run finds nothing new and gives the same signals
	cp "$out/signals.zst" first.zst
	run -0 --separate-stderr "$CRON/refresh-and-check.sh"
	cmp first.zst "$out/signals.zst"
	[ "$(cached BTCUSDT)" -eq 8760 ]
}

@test "refresh-and-check: 3 when the drift reaches BP_FAIL_ON" {
	seed_btc 200
	btc_model
	cron_env
	BP_FAIL_ON=LOW run -3 --separate-stderr "$CRON/refresh-and-check.sh"
	[[ $stderr == *"drift at or above LOW: exit 3"* ]]
	# a drift alert is a finished run: outputs published, bars stored
	local out=$BARPIPE_HOME/cron/btc
	[ -s "$out/drift.json" ] && [ -s "$out/signals.zst" ]
	[ "$(cached BTCUSDT)" -eq 8760 ]
	# or a shifted current window: the newest week against BTC's
	# March 2020 crash month, as reference stream
	bp-fetch db -q --symbol BTCUSDT --timeframe 1h --since 2020-02-20 \
		--until 2020-04-10 |
		bp-features -q --spec "$PF/btc.json" --drop-warmup |
		bp-predict -q --model btc -o ref.zst
	BP_DRIFT_REF=$PWD/ref.zst BP_CUR_WINDOW=last:7d BP_FAIL_ON=MEDIUM \
		run -3 --separate-stderr "$CRON/refresh-and-check.sh"
	[ "$(jq -r .reference.source "$out/drift.json")" = "$PWD/ref.zst" ]
	no_temp_left "$BARPIPE_HOME"
}

@test "refresh-and-check: 1 and nothing changed when a stage fails" {
	seed_btc 200
	btc_model
	cron_env
	# a first run publishes outputs from the cut of the sample (the
	# drift of its window is CRITICAL: exit 3)
	BP_CSV=$PWD/seed.csv run "$CRON/refresh-and-check.sh"
	[ "$status" -eq 0 ] || [ "$status" -eq 3 ]
	local out=$BARPIPE_HOME/cron/btc f
	mkdir before
	cp "$out"/*.zst "$out"/*.json "$out"/*.prom before/
	# the model is missing: predict fails after the fetch read 200 new bars
	BP_MODEL=nope BP_OUT=$out run -1 --separate-stderr \
		"$CRON/refresh-and-check.sh"
	[[ $stderr == *"failed in stage predict (status 1): the cache and"* ]]
	[[ $stderr == *nope* ]]
	[ "$(cached BTCUSDT)" -eq 8560 ]
	# a spec that does not compute the model's features
	BP_SPEC=$PF/zigzag.json run -1 --separate-stderr \
		"$CRON/refresh-and-check.sh"
	[[ $stderr == *"in stage predict"* ]]
	[ "$(cached BTCUSDT)" -eq 8560 ]
	# a bad row in the source: the fetch fails
	sed '5s/,10[0-9]*\.[0-9]*,/,oops,/' "$SAMPLE/BTCUSDT-1h.csv" >bad.csv
	BP_CSV=$PWD/bad.csv run -1 --separate-stderr \
		"$CRON/refresh-and-check.sh"
	[[ $stderr == *"in stage fetch"* && $stderr == *"is not a number"* ]]
	[ "$(cached BTCUSDT)" -eq 8560 ]
	for f in before/*; do
		cmp "$f" "$out/${f#before/}"
	done
	no_temp_left "$BARPIPE_HOME"
	[ -z "$(find "$out" -name '.refresh-and-check.tmp.*')" ]
}

@test "refresh-and-check: 2 for bad settings, before touching anything" {
	cron_env
	BP_MODEL= run -2 --separate-stderr "$CRON/refresh-and-check.sh"
	[[ $stderr == *"BP_MODEL is not set"* ]]
	BP_SOURCE=ftp run -2 --separate-stderr "$CRON/refresh-and-check.sh"
	[[ $stderr == *"BP_SOURCE: 'ftp' is not binance, coinbase or csv"* ]]
	BP_BARS=10x run -2 --separate-stderr "$CRON/refresh-and-check.sh"
	[[ $stderr == *"BP_BARS: '10x' is not a positive integer"* ]]
	BP_SPEC=nope.json run -2 "$CRON/refresh-and-check.sh"
	[ ! -e "$BARPIPE_HOME" ]
}

@test "refresh-and-check: concurrent runs are serialised by the lock" {
	seed_btc 200
	btc_model
	cron_env
	local lock=$BARPIPE_HOME/cron/btc/refresh.lock
	mkdir -p "${lock%/*}"
	# while another process holds the lock, a run that may not wait fails
	# and changes nothing
	exec 8>>"$lock"
	flock 8
	BP_LOCK_WAIT=0 run -1 --separate-stderr "$CRON/refresh-and-check.sh"
	[[ $stderr == *"another run holds $lock"* ]]
	[ "$(cached BTCUSDT)" -eq 8560 ]
	[ ! -e "$BARPIPE_HOME/cron/btc/signals.zst" ]
	exec 8>&-
	# two runs started together: one holds the lock from "taken" to its
	# end, so the log never shows the second "taken" before the first
	# run's "done"
	"$CRON/refresh-and-check.sh" 2>>both.log &
	local a=$!
	"$CRON/refresh-and-check.sh" 2>>both.log &
	local b=$!
	wait "$a"
	wait "$b"
	run -0 grep -oE 'lock .* taken|done: ' both.log
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} == "lock "* && ${lines[1]} == "done: " &&
		${lines[2]} == "lock "* && ${lines[3]} == "done: " ]]
	[ "$(cached BTCUSDT)" -eq 8760 ]
}

# ---- retrain.sh ----------------------------------------------------------

@test "retrain: promotes a candidate that beats the active version" {
	zz_env
	# a weak first model: no active version yet, so it is promoted
	BP_TRAIN_OPTS=$WEAK run -0 --separate-stderr "$CRON/retrain.sh"
	[[ $stderr == *"promoted zz@1 (no active version)"* ]]
	[ "$(active zz)" = 1 ]
	# the spec's model learns the zigzag: better logloss, promoted
	run -0 --separate-stderr "$CRON/retrain.sh"
	[ "$(active zz)" = 2 ]
	local r=$BARPIPE_HOME/cron/zz/retrain.json
	[ "$(jq -r '[.decision, .candidate, .active_before, .metric,
		.holdout_rows] | join(" ")' "$r")" = "promoted 2 1 logloss 100" ]
	jq -e '.candidate_value < .active_value' "$r"
	[[ $stderr == *"promoted zz@2 (logloss "* ]]
	# the previous active version is retired; rollback would restore it
	[ "$(bp-model list zz --json | jq -r '.[0].status')" = retired ]
	no_temp_left "$BARPIPE_HOME"
}

@test "retrain: keeps the active version when the candidate is worse" {
	zz_env
	run -0 "$CRON/retrain.sh"
	[ "$(active zz)" = 1 ]
	BP_TRAIN_OPTS=$WEAK run -0 --separate-stderr "$CRON/retrain.sh"
	[ "$(active zz)" = 1 ]
	[[ $stderr == *"kept zz@1 active; zz@2 stays a candidate"* ]]
	local r=$BARPIPE_HOME/cron/zz/retrain.json
	[ "$(jq -r '[.decision, .candidate, .active_before] | join(" ")' \
		"$r")" = "kept 2 1" ]
	jq -e '.candidate_value > .active_value' "$r"
	[ "$(bp-model list zz --json | jq -r '.[1].status')" = candidate ]
	# an improvement smaller than BP_MIN_GAIN is not enough either
	BP_MIN_GAIN=1 run -0 "$CRON/retrain.sh"
	[ "$(active zz)" = 1 ]
	[ "$(jq -r .decision "$r")" = kept ]
	# a metric where higher is better
	BP_METRIC=auc BP_TRAIN_OPTS=$WEAK run -0 "$CRON/retrain.sh"
	[ "$(jq -r '.metric + " " + .decision' "$r")" = "auc kept" ]
}

@test "retrain: a failure leaves no candidate and the active version alone" {
	zz_env
	run -0 "$CRON/retrain.sh"
	cp "$BARPIPE_HOME/cron/zz/retrain.json" before.json
	# fails after registering version 2: the candidate is removed again
	BP_METRIC=sharpe run -1 --separate-stderr "$CRON/retrain.sh"
	[[ $stderr == *"removed the candidate zz@2"* ]]
	[ "$(bp-model list zz --json | jq length)" -eq 1 ]
	[ "$(active zz)" = 1 ]
	cmp before.json "$BARPIPE_HOME/cron/zz/retrain.json"
	# nothing cached for the symbol: fails before training
	BP_SYMBOL=NOPE run -1 --separate-stderr "$CRON/retrain.sh"
	[[ $stderr == *"failed in stage"* ]]
	[ "$(bp-model list zz --json | jq length)" -eq 1 ]
	BP_HOLDOUT=0 run -2 "$CRON/retrain.sh"
	no_temp_left "$BARPIPE_HOME"
}

# ---- crontab.example -----------------------------------------------------

# cron_line MINUTE: the command of the crontab entry at that minute
cron_line() {
	awk -v m="$1" '$1 == m && NF > 5 {
		$1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, ""); print }' \
		"$CRON/crontab.example"
}

@test "crontab.example: the hourly line retrains on 3, reports failures" {
	# every job line has five time fields and names a script that exists
	run -0 awk '!/^#/ && NF && !/^[A-Z_]+=/' "$CRON/crontab.example"
	[ "${#lines[@]}" -eq 2 ]
	# cron turns % into newlines in a command
	! grep -q '%' "$CRON/crontab.example"
	local cmd
	cmd=$(cron_line 5)
	[[ $cmd == *'$JOBS/refresh-and-check.sh'*'$JOBS/retrain.sh'* ]]
	seed_btc 200
	btc_model
	cron_env
	export JOBS=$CRON LOGS=$PWD/logs
	mkdir logs
	# drift at LOW: refresh says 3, retrain runs (and decides)
	BP_FAIL_ON=LOW BP_HOLDOUT=500 BP_TRAIN_BARS=2000 run -0 bash -c "$cmd"
	[ -z "$output" ]
	grep -q 'refresh-and-check: drift at or above LOW' logs/refresh.log
	grep -q 'retrain: train: registered btc@2' logs/retrain.log
	grep -qE 'retrain: (promoted|kept) btc@' logs/retrain.log
	# no drift alert: no retraining, no output
	run -0 bash -c "$cmd"
	[ -z "$output" ]
	[ "$(bp-model list btc --json | jq length)" -eq 2 ]
	# a failure: one line for cron to mail, no retraining
	BP_MODEL=nope run -0 bash -c "$cmd"
	[[ $output == "barpipe: an hourly job failed, see $LOGS/refresh.log"* ]]
	[ "$(bp-model list btc --json | jq length)" -eq 2 ]
	# the weekly line
	cmd=$(cron_line 30)
	BP_HOLDOUT=500 BP_TRAIN_BARS=2000 run -0 bash -c "$cmd"
	[ "$(bp-model list btc --json | jq length)" -eq 3 ]
}

@test "pipelines: the cron scripts pass bash -n and shellcheck" {
	local s
	for s in "$CRON"/*.sh; do
		bash -n "$s"
	done
	command -v shellcheck >/dev/null || skip "shellcheck not installed"
	cd "$ROOT"
	shellcheck -x pipelines/cron/*.sh
}

# ---- barpipe-experiments(7) ----------------------------------------------

@test "barpipe-experiments(7): EXAMPLES run as written at the top" {
	# a checkout of our own, so that out/ is this test's: the tools, data,
	# specs and pipelines linked, experiments/ copied
	mkdir top
	cd top
	ln -s "$(bindir)" bin
	ln -s "$ROOT/data" "$ROOT/strategies" "$ROOT/pipelines" .
	cp -r "$ROOT/experiments" .
	local n=0 block
	while IFS= read -r -d '' block; do
		n=$((n + 1))
		echo "+ $block"
		bash -euo pipefail -c "$block" >/dev/null
	done < <(awk '/^\.Sh EXAMPLES/ { f = 1 } /^\.Sh SEE ALSO/ { f = 0 }
		f && /^\.Ed/ { printf "%c", 0; b = 0 }
		f && b { gsub(/\\e/, "\\"); sub(/^\$ /, ""); print }
		f && /^\.Bd -literal/ { b = 1 }' \
		"$ROOT/man/man7/barpipe-experiments.7")
	[ "$n" -ge 6 ]
	[ "$(wc -l <out/exp/results.tsv)" -eq 4 ]
	[ "$(jq .model.seed out/exp/rsi_logreg/cv.json)" = 2 ]
	[ "$(sqlite3 "$BARPIPE_HOME/barpipe.db" \
		'SELECT count(*) FROM experiments')" -eq 3 ]
	[ -s out/my/spy/report.html ] && [ -s out/my/results.tsv ]
	[ -s out/cron-example/cron/btc/latest.json ]
	[ -s out/cron-example/cron/btc/retrain.json ]
	[ "$(bp-fetch db --list --plain --db out/cron-example/barpipe.db |
		jq .count)" -eq 8760 ]
}

@test "pipelines: mk/pipelines.mk installs the man page" {
	run -0 make --no-print-directory -C "$ROOT" -n -p install DESTDIR=/nowhere
	[[ $output == *"MAN7 = man/man7/barpipe.7 man/man7/barpipe-experiments.7"* ]]
}
