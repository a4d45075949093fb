#!/usr/bin/env bats
# bp-cv run and search: models over the folds, out-of-sample predictions,
# parameter search.  The fixture learn.ndjson has 200 hourly rows of one
# symbol with features f1, f2 and labels (horizon 2) label_up, label_ret,
# label_vol (tests/fixtures/cv/gen_learn.py).
load helper

setup() { bp_setup; }

L=$FIX/cv/learn.ndjson
REF=$ROOT/tests/unit/ref
WF=(--scheme walk-forward --train-size 80 --test-size 30 --embargo 2)

@test "bp-cv run: walk-forward OLS equals scikit-learn per fold" {
	# tests/unit/ref/cv_run_ref.py fits LinearRegression on the same
	# folds, written out there by hand.  OLS has one solution: only the
	# solvers' rounding differs (about 1e-15); 1e-9 relative leaves room
	# for a different order of summation.
	bp-cv run "${WF[@]}" --model linear --params l2=0 --label label_vol \
		--oos oos.ndjson --plain "$L" >sum.json
	jq -r '.folds[] | "fold \(.fold) \(.metrics.n) \(.metrics.mae) \(.metrics.rmse) \(.metrics.r2)"' \
		sum.json >actual
	grep '^fold' "$REF/cv-run-linear.txt" >expect
	[ "$(wc -l <actual)" -eq 4 ]
	paste -d ' ' expect actual | awk '
		function bad(a, b) { d = a - b; if (d < 0) d = -d
			s = a < 0 ? -a : a; if (s < 1) s = 1; return d > 1e-9 * s }
		$2 != $8 || $3 != $9 || bad($4, $10) || bad($5, $11) ||
		bad($6, $12) { print "mismatch: " $0; n++ }
		END { exit n > 0 }'
	# the out-of-sample scores are the reference predictions
	jq -r '"pred \(.ts) \(.score)"' oos.ndjson >actual
	grep '^pred' "$REF/cv-run-linear.txt" >expect
	[ "$(wc -l <actual)" -eq "$(wc -l <expect)" ]
	paste -d ' ' expect actual | awk '
		{ d = $3 - $6; if (d < 0) d = -d; s = $3 < 0 ? -$3 : $3
		  if (s < 1) s = 1 }
		$2 != $5 || d > 1e-9 * s { print "mismatch: " $0; n++ }
		END { exit n > 0 }'
}

@test "bp-cv run: summary keys, mean and sample std over the folds" {
	bp-cv run "${WF[@]}" --model logreg --label label_up "$L" >sum.json
	[ "$(jq -r '.model.kind, .model.task, .model.label' sum.json | tr '\n' ' ')" = "logreg binary label_up " ]
	[ "$(jq -c .model.features sum.json)" = '["f1","f2"]' ]
	[ "$(jq .n_folds sum.json)" = 4 ]
	jq -e '.folds | length == 4' sum.json
	jq -e '[.folds[].trained_rows] == [80, 80, 80, 80]' sum.json
	# mean and std (n - 1) recomputed from the per-fold values
	jq -e '[.folds[].metrics.logloss] as $v | ($v | add / length) as $m
		| ([$v[] | (. - $m) * (. - $m)] | add / (length - 1) | sqrt) as $s
		| ((.mean.logloss - $m) | fabs) < 1e-12 and
		  ((.std.logloss - $s) | fabs) < 1e-12' sum.json
	jq -e '.mean | keys == ["accuracy","auc","brier","f1","logloss","precision","recall"]' sum.json
}

@test "bp-cv run: --oos writes the test rows in time order with score, signal, fold" {
	bp-cv run "${WF[@]}" --model logreg --label label_up --oos oos.zst \
		"$L" >sum.json
	[ "$(head -c4 oos.zst | od -An -tx1 | tr -d ' ')" = 28b52ffd ]
	unz oos.zst >oos
	# 3 full test blocks of 30 and a last one of 28 timestamps
	[ "$(wc -l <oos)" -eq 118 ]
	[ "$(jq -r .ts oos | sort -c && echo sorted)" = sorted ]
	[ "$(jq -r .ts oos | uniq -d | wc -l)" -eq 0 ]
	# every input column is kept, three are appended
	[ "$(head -n1 oos | jq -c 'keys_unsorted[-3:]')" = '["score","signal","fold"]' ]
	ts=$(head -n1 oos | jq -r .ts)
	[ "$(head -n1 oos | jq -c 'del(.score, .signal, .fold)')" = "$(grep -F "{\"ts\":\"$ts\"" "$L")" ]
	# the test rows of each fold are those of `bp-cv split`
	bp-cv split "${WF[@]}" --label label_up --plain "$L" |
		jq -r 'select(.role == "test") | "\(.fold) \(.ts)"' >expect
	jq -r '"\(.fold) \(.ts)"' oos >actual
	diff -u expect actual
}

@test "bp-cv run: signals follow --long, --short and --long-only" {
	bp-cv run "${WF[@]}" --model logreg --label label_up --oos oos \
		--plain --long 0.6 --short 0.3 "$L" >/dev/null
	jq -e 'select((.score >= 0.6 and .signal != 1) or
		(.score <= 0.3 and .signal != -1) or
		(.score > 0.3 and .score < 0.6 and .signal != 0))' oos && false
	[ "$(jq -r .signal oos | sort -u | tr '\n' ' ')" = "-1 0 1 " ]
	bp-cv run "${WF[@]}" --model logreg --label label_up --oos oos2 \
		--plain --long-only "$L" >/dev/null
	[ "$(jq -r .signal oos2 | sort -u | tr '\n' ' ')" = "0 1 " ]
	run -2 --separate-stderr bp-cv run "${WF[@]}" --model logreg \
		--label label_up --long 0.4 --short 0.5 "$L"
	[[ $stderr == *"--short must not be above --long"* ]]
}

@test "bp-cv run --oos -: the stream on stdout, the summary on stderr" {
	bp-cv run "${WF[@]}" --model logreg --label label_up --oos - "$L" \
		2>sum.json | zstd -dc >oos
	[ "$(wc -l <oos)" -eq 118 ]
	jq -e .n_folds sum.json
	# ... unless --summary names a file
	bp-cv run "${WF[@]}" --model logreg --label label_up --oos - \
		--summary s2.json "$L" 2>err | zstd -dc >oos2
	cmp oos oos2
	[ ! -s err ]
	cmp sum.json s2.json
}

@test "bp-cv run: cpcv writes every path, or one with --path" {
	bp-cv run --scheme cpcv --groups 6 --test-groups 2 --model logreg \
		--label label_up --oos all --plain "$L" >sum.json
	# 15 splits, 5 paths; each path holds every row exactly once
	[ "$(jq .n_folds sum.json)" = 15 ]
	[ "$(jq '.paths | length' sum.json)" = 5 ]
	[ "$(wc -l <all)" -eq 1000 ]
	[ "$(jq -r '"\(.path) \(.ts)"' all | sort -u | wc -l)" -eq 1000 ]
	[ "$(jq -r .path all | sort | uniq -c | awk '{print $1}' | sort -u)" = 200 ]
	jq -e '.path_mean.logloss > 0 and .path_std.logloss >= 0' sum.json
	# time order, then path
	jq -r '"\(.ts) \(.path)"' all >order
	sort -c order
	bp-cv run --scheme cpcv --groups 6 --test-groups 2 --model logreg \
		--label label_up --oos p2 --plain --path 2 "$L" >/dev/null
	[ "$(wc -l <p2)" -eq 200 ]
	[ "$(jq -r .path p2 | sort -u)" = 2 ]
	jq -c 'select(.path == 2)' all >expect
	jq -c . p2 >actual
	diff -u expect actual
	# path 2 of group 0 comes from fold 2 (groups 0 and 3): by hand
	[ "$(head -n1 p2 | jq .fold)" = 2 ]
	run -2 --separate-stderr bp-cv run "${WF[@]}" --model logreg \
		--label label_up --path 1 "$L"
	[[ $stderr == *"--path: only cpcv has paths"* ]]
}

@test "bp-cv run: overlapping walk-forward tests keep the latest fold" {
	bp-cv run --scheme walk-forward --train-size 80 --test-size 40 \
		--step 20 --model logreg --label label_up --oos oos --plain \
		"$L" >sum.json
	[ "$(jq -r .ts oos | uniq -d | wc -l)" -eq 0 ]
	# test blocks [80, 120), [100, 140), [120, 160) ...: timestamp 96
	# (2024-01-05T00:00Z) is tested by fold 0 only
	[ "$(jq -r 'select(.ts == "2024-01-05T00:00:00Z") | .fold' oos)" = 0 ]
	# timestamp 110 is tested by folds 0 and 1: fold 1 wins
	[ "$(jq -r 'select(.ts == "2024-01-05T14:00:00Z") | .fold' oos)" = 1 ]
}

@test "bp-cv run: --refit-every reuses a model" {
	bp-cv run --scheme walk-forward --train-size 80 --test-size 30 \
		--refit-every 2 --model logreg --label label_up --oos oos \
		--plain "$L" >sum.json
	[ "$(jq -c '[.folds[].model_fold]' sum.json)" = '[0,0,2,2]' ]
	[ "$(jq -c '[.folds[].train.first]' sum.json)" = "$(jq -c '[.folds[0,0,2,2].train.first]' sum.json)" ]
	# fold 1 is predicted by fold 0's model: the same as a walk-forward
	# whose fold 0 tests both blocks
	bp-cv run --scheme walk-forward --train-size 80 --test-size 60 \
		--model logreg --label label_up --oos one --plain "$L" >/dev/null
	jq -r 'select(.fold <= 1) | "\(.ts) \(.score)"' oos >a
	jq -r 'select(.fold == 0) | "\(.ts) \(.score)"' one >b
	diff -u b a
}

@test "bp-cv run: identical output on 1 or 2 threads" {
	bp-cv run --scheme cpcv --model logreg --label label_up --oos o1 \
		--plain --threads 1 "$L" >s1
	bp-cv run --scheme cpcv --model logreg --label label_up --oos o2 \
		--plain --threads 2 "$L" >s2
	cmp s1 s2
	cmp o1 o2
}

@test "bp-cv run: identical output for one --seed, another for another" {
	# a randomised model: gbdt with row and column subsampling, else an
	# mlp (random initial weights)
	local m=(--model gbdt --params n_estimators=20,subsample=0.5,colsample_bytree=0.5)
	bp-cv run "${WF[@]}" "${m[@]}" --label label_up "$L" >/dev/null 2>&1 ||
		m=(--model mlp --params hidden=4,epochs=20)
	bp-cv run "${WF[@]}" "${m[@]}" --label label_up "$L" >/dev/null 2>&1 ||
		skip "no randomised model kind is available yet"
	bp-cv run "${WF[@]}" "${m[@]}" --label label_up --seed 3 \
		--oos o1 --plain --threads 1 "$L" >s1
	bp-cv run "${WF[@]}" "${m[@]}" --label label_up --seed 3 \
		--oos o2 --plain --threads 2 "$L" >s2
	cmp s1 s2
	cmp o1 o2
	bp-cv run "${WF[@]}" "${m[@]}" --label label_up --seed 4 \
		--oos o3 --plain "$L" >s3
	! cmp -s o1 o3
}

@test "bp-cv run: regression by default ranks rmse; --spec gives the model" {
	cat >spec.json <<-'EOF'
	{"name": "t", "model": {"kind": "linear", "params": {"l2": 0}}}
	EOF
	bp-cv run "${WF[@]}" --spec spec.json --label label_vol "$L" >sum.json
	[ "$(jq -r .model.kind sum.json)" = linear ]
	[ "$(jq -r .model.params.l2 sum.json)" = 0 ]
	[ "$(jq -r .model.task sum.json)" = regression ]
	jq -e '.mean | keys == ["mae","r2","rmse"]' sum.json
	# --params overrides the spec
	bp-cv run "${WF[@]}" --spec spec.json --params l2=5 --label label_vol \
		"$L" >s2.json
	[ "$(jq -r .model.params.l2 s2.json)" = 5 ]
	# the spec's label and features serve when the command line has none
	cat >spec2.json <<-'EOF'
	{"model": {"kind": "logreg", "label": "label_up", "features": ["f2"]}}
	EOF
	bp-cv run "${WF[@]}" --spec spec2.json "$L" >s3.json
	[ "$(jq -c '[.model.label, .model.features]' s3.json)" = '["label_up",["f2"]]' ]
	bp-cv run "${WF[@]}" --spec spec2.json --label label_vol --model linear \
		--features f1 "$L" >s4.json
	[ "$(jq -c '[.model.kind, .model.label, .model.features]' s4.json)" = '["linear","label_vol",["f1"]]' ]
	echo '{"model": {"kind": 3}}' >bad.json
	run -1 --separate-stderr bp-cv run "${WF[@]}" --spec bad.json \
		--label label_vol "$L"
	[[ $stderr == *"bad.json: \"model\" needs a string \"kind\""* ]]
	echo '{"model": {"features": ["a", 1]}}' >bad2.json
	run -1 --separate-stderr bp-cv run "${WF[@]}" --spec bad2.json \
		--label label_vol --model linear "$L"
	[[ $stderr == *"an array of names \"features\""* ]]
}

@test "bp-cv run: usage errors exit 2" {
	run -2 --separate-stderr bp-cv run "${WF[@]}" --model logreg "$L"
	[[ $stderr == *"run needs --label <col>"* ]]
	run -2 --separate-stderr bp-cv run "${WF[@]}" --label label_up "$L"
	[[ $stderr == *"run needs --model <kind>"* ]]
	run -2 --separate-stderr bp-cv run "${WF[@]}" --model forest \
		--label label_up "$L"
	[[ $stderr == *"--model: 'forest' is not one of gbdt, logreg"* ]]
	run -2 --separate-stderr bp-cv run "${WF[@]}" --model logreg \
		--params depth=3 --label label_up "$L"
	[[ $stderr == *"logreg: unknown parameter 'depth'"* ]]
	run -2 --separate-stderr bp-cv run "${WF[@]}" --model logreg \
		--label label_up --grid 'l2=1,2' "$L"
	[[ $stderr == *"--grid: not an option of 'run'"* ]]
	run -2 --separate-stderr bp-cv run "${WF[@]}" --model logreg \
		--label label_up --threads 0 "$L"
	[[ $stderr == *"--threads: '0' is not an integer"* ]]
}

@test "bp-cv run: data errors exit 1" {
	run -1 --separate-stderr bp-cv run "${WF[@]}" --model logreg \
		--label label_nope "$L"
	[[ $stderr == *"label_nope"* ]]
	run -1 --separate-stderr bp-cv run "${WF[@]}" --model logreg \
		--label label_up --features f1,label_ret "$L"
	[[ $stderr == *"label_ret"* ]]
	# labels spanning 150 bars purge every training row of fold 0
	jq -c 'del(.label_up_end)' "$L" >noend.ndjson
	run -1 --separate-stderr bp-cv run --scheme purged-kfold --folds 2 \
		--horizon 150 --model logreg --label label_up noend.ndjson
	[ "$stderr" = "bp-cv: fold 0: no training rows with a label" ]
}

@test "bp-cv run: a failed run leaves no --oos or summary behind" {
	mkdir out
	jq -c 'del(.label_up_end)' "$L" >noend.ndjson
	run -1 bp-cv run --scheme purged-kfold --folds 2 --horizon 150 \
		--model logreg --label label_up --oos out/oos.zst \
		--summary out/sum.json noend.ndjson
	[ ! -e out/oos.zst ] && [ ! -e out/sum.json ]
	no_temp_left out
	run -1 --separate-stderr bash -c \
		"bp-cv run ${WF[*]} --model logreg --label label_up '$L' >/dev/full"
	[[ $stderr == *"cannot write"* ]]
}

@test "bp-cv search: grid, ranking, best with its spread, trials warning" {
	bp-cv search --scheme purged-kfold --folds 4 --model logreg \
		--label label_up --grid 'l2=0.01,1,100 l1=0,0.1' "$L" >s.json
	[ "$(jq .trials s.json)" = 6 ]
	[ "$(jq -r .warning s.json)" = "best of 6 trials: picking the best of several trials makes its score optimistic (multiple testing); judge it on data the search has not seen" ]
	[ "$(jq -r .metric s.json)" = logloss ]
	[ "$(jq -c '[.model.kind, .model.label, .model.task, .model.features]' s.json)" = '["logreg","label_up","binary",["f1","f2"]]' ]
	[ "$(jq .higher_is_better s.json)" = false ]
	# the grid in order: the first name varies slowest
	[ "$(jq -c '[.results | sort_by(.trial)[] | .params]' s.json)" = '[{"l2":0.01,"l1":0},{"l2":0.01,"l1":0.1},{"l2":1,"l1":0},{"l2":1,"l1":0.1},{"l2":100,"l1":0},{"l2":100,"l1":0.1}]' ]
	# ranked by mean logloss, ascending; ranks 1..6
	jq -e '[.results[].mean] as $m | $m == ($m | sort)' s.json
	jq -e '[.results[].rank] == [1,2,3,4,5,6]' s.json
	jq -e '.best.trial == .results[0].trial and
		(.best.folds | length) == 4 and .best.std > 0 and
		.best.min <= .best.mean and .best.mean <= .best.max' s.json
	# the best set's folds are what `bp-cv run` gives with its params
	bp-cv run --scheme purged-kfold --folds 4 --model logreg \
		--label label_up --params "$(jq -r '.best.params | to_entries | map("\(.key)=\(.value)") | join(",")' s.json)" \
		"$L" >r.json
	[ "$(jq -c '[.folds[].metrics.logloss]' r.json)" = "$(jq -c .best.folds s.json)" ]
	# higher is better for auc: descending
	bp-cv search --scheme purged-kfold --folds 4 --model logreg \
		--label label_up --grid 'l2=0.01,100' --metric auc "$L" >a.json
	jq -e '.higher_is_better and .results[0].mean >= .results[1].mean' a.json
}

@test "bp-cv search: identical results on 1 and 2 threads" {
	bp-cv search "${WF[@]}" --model logreg --label label_up \
		--grid 'l2=0.1,1,10 l1=0,0.01' --threads 1 "$L" >s1
	bp-cv search "${WF[@]}" --model logreg --label label_up \
		--grid 'l2=0.1,1,10 l1=0,0.01' --threads 2 "$L" >s2
	cmp s1 s2
}

@test "bp-cv search --random: draws within the ranges, per --seed" {
	sp='l2=log:0.001:100 l1=0.0:1 max_iter=50:200 tol=1e-8,1e-6'
	bp-cv search "${WF[@]}" --model logreg --label label_up --random 5 \
		--space "$sp" --seed 7 "$L" >r1
	bp-cv search "${WF[@]}" --model logreg --label label_up --random 5 \
		--space "$sp" --seed 7 "$L" >r2
	cmp r1 r2
	bp-cv search "${WF[@]}" --model logreg --label label_up --random 5 \
		--space "$sp" --seed 8 "$L" >r3
	! cmp -s r1 r3
	[ "$(jq .trials r1)" = 5 ]
	jq -e '[.results[].params] | all(.l2 >= 0.001 and .l2 <= 100 and
		.l1 >= 0 and .l1 <= 1 and .max_iter >= 50 and .max_iter <= 200
		and (.max_iter | floor) == .max_iter and
		(.tol == 1e-8 or .tol == 1e-6))' r1
	run -2 --separate-stderr bp-cv search "${WF[@]}" --model logreg \
		--label label_up --random 5 "$L"
	[[ $stderr == *"--random needs --space <spec>"* ]]
	run -2 --separate-stderr bp-cv search "${WF[@]}" --model logreg \
		--label label_up --random 5 --space 'l2=log:0:1' "$L"
	[[ $stderr == *"is not a range"* ]]
	run -2 --separate-stderr bp-cv search "${WF[@]}" --model logreg \
		--label label_up "$L"
	[[ $stderr == *"search needs --grid <spec> or --random <n>"* ]]
	run -2 --separate-stderr bp-cv search "${WF[@]}" --model logreg \
		--label label_up --grid 'l2=1 bogus' "$L"
	[[ $stderr == *"--grid: 'bogus' is not name=values"* ]]
	run -2 --separate-stderr bp-cv search "${WF[@]}" --model logreg \
		--label label_up --grid 'l2=1' --metric sharpe "$L"
	[[ $stderr == *"--metric: 'sharpe' is not a metric"* ]]
}

@test "bp-cv search --oos: the best set's out-of-sample stream" {
	bp-cv search "${WF[@]}" --model logreg --label label_up \
		--grid 'l2=0.01,100' --oos oos --plain "$L" >s.json
	bp-cv run "${WF[@]}" --model logreg --label label_up \
		--params "l2=$(jq -r .best.params.l2 s.json)" --oos run \
		--plain "$L" >/dev/null
	cmp oos run
}

@test "bp-cv: the demo stage skips without features, runs with them" {
	export DEMO=$BATS_TEST_TMPDIR/demo
	mkdir -p "$DEMO"
	run -0 bash "$ROOT/pipelines/demo.d/40-cv.sh"
	[[ $output == *"cv skipped"* ]]
	# 5000 hourly rows: a feature, label_up over 24 bars and its end
	awk '
	function ts(h,   d, m, n) {	# hour h of 2024 (a leap year), RFC 3339
		d = int(h / 24); split("31 29 31 30 31 30 31 31 30 31 30 31", n)
		for (m = 1; d >= n[m]; m++) d -= n[m]
		return sprintf("\"2024-%02d-%02dT%02d:00:00Z\"", m, d + 1, h % 24)
	}
	BEGIN { srand(5); c = 100
		for (i = 0; i < 5000; i++) { x[i] = rand() - 0.5
			c = c * (1 + 0.01 * x[i]); cl[i] = c }
		for (i = 0; i < 5000; i++) {
			if (i + 24 < 5000) {
				lab = cl[i + 24] > cl[i] ? 1 : 0; end = ts(i + 24)
			} else { lab = "null"; end = "null" }
			printf "{\"ts\":%s,\"symbol\":\"X\",\"close\":%.4f,\"f\":%.4f,\"label_up\":%s,\"label_up_end\":%s}\n",
				ts(i), cl[i], x[i], lab, end } }' | zstd -q >"$DEMO/btc.features.zst"
	echo '{"model": {"kind": "logreg", "label": "label_up",
		"features": ["f"]}}' >spec.json
	cd "$BATS_TEST_TMPDIR"
	CV_SPEC=spec.json run -0 bash "$ROOT/pipelines/demo.d/40-cv.sh"
	[ "${lines[0]}" = "model logreg, label label_up, 1 features, 2 folds" ]
	[[ ${lines[1]} == "fold"*"logloss"* ]]
	[[ $output == *"out-of-sample predictions: $DEMO/oos.zst (976 rows)"* ]]
	[ "$(jq .n_folds "$DEMO/cv-summary.json")" = 2 ]
}

@test "bp-cv run --oos - | bp-backtest: a walk-forward backtest is one pipe" {
	command -v bp-backtest >/dev/null || skip "bp-backtest is not built"
	bp-cv run "${WF[@]}" --model logreg --label label_up --oos - "$L" \
		2>sum.json | bp-backtest --fee-bps 10 >bt.json
	# the out-of-sample rows only: 118 bars from the first test block
	[ "$(jq .bars bt.json)" = 118 ]
	[ "$(jq -r .start bt.json)" = "$(jq -r '.folds[0].test.first' sum.json)" ]
	jq -e '.trades > 0' bt.json
}

@test "bp-cv run: two symbols of one timestamp fall on the same side" {
	# each row twice, as BTCUSDT and as ETHUSDT (f2 negated)
	jq -c '., (.symbol = "ETHUSDT" | .f2 = -.f2)' "$L" >two.ndjson
	bp-cv run "${WF[@]}" --model logreg --label label_up --oos oos \
		--plain two.ndjson >sum.json
	[ "$(jq -c '[.folds[].test.rows]' sum.json)" = '[60,60,60,56]' ]
	[ "$(jq -c '[.folds[].test.timestamps]' sum.json)" = '[30,30,30,28]' ]
	[ "$(wc -l <oos)" -eq 236 ]
	# both symbols of every timestamp, tested by the same fold
	[ "$(jq -r '"\(.ts) \(.fold)"' oos | uniq -c | awk '$1 != 2' | wc -l)" -eq 0 ]
	[ "$(jq -r .symbol oos | sort | uniq -c | awk '{print $1}' | sort -u)" = 118 ]
	jq -e '[.folds[].trained_rows] == [160, 160, 160, 160]' sum.json
}

@test "bp-cv run: a fold equals bp-train on its train rows, bp-predict on its test rows" {
	command -v bp-train >/dev/null && command -v bp-predict >/dev/null ||
		skip "bp-train or bp-predict is not built"
	local m
	for m in "logreg" "gbdt n_estimators=10,subsample=0.8,max_depth=3"; do
		set -- $m
		bp-cv split "${WF[@]}" --label label_up --fold 1 --plain "$L" >f1
		jq -c 'select(.role == "train") | del(.fold, .role)' f1 >train
		jq -c 'select(.role == "test") | del(.fold, .role)' f1 >test
		bp-train -q --model "$1" ${2:+--params "$2"} --label label_up \
			--valid-frac 0 --seed 5 -o model.json train
		bp-predict --model model.json --plain test |
			jq -r '"\(.ts) \(.score) \(.signal)"' >expect
		bp-cv run "${WF[@]}" --model "$1" ${2:+--params "$2"} \
			--label label_up --seed 5 --oos - --plain "$L" 2>/dev/null |
			jq -r 'select(.fold == 1) | "\(.ts) \(.score) \(.signal)"' >actual
		[ "$(wc -l <expect)" -eq 30 ]
		diff -u expect actual
	done
}

@test "bp-cv run: regression signals are the sign of the score by default" {
	bp-cv run "${WF[@]}" --model linear --label label_ret --oos oos \
		--plain "$L" >/dev/null
	jq -e 'select((.score > 0 and .signal != 1) or
		(.score < 0 and .signal != -1))' oos && false
	[ "$(jq -r .signal oos | sort -u | tr '\n' ' ')" = "-1 1 " ]
	bp-cv run "${WF[@]}" --model linear --label label_ret --oos oos2 \
		--plain --long 0.005 "$L" >/dev/null
	# with --long alone, short keeps the task's default 0
	jq -e 'select((.score >= 0.005 and .signal != 1) or
		(.score > 0 and .score < 0.005 and .signal != 0) or
		(.score <= 0 and .signal != -1))' oos2 && false
	true
}

@test "bp-cv run: multiclass labels (-1/0/+1) as bp-predict scores them" {
	command -v bp-predict >/dev/null || skip "bp-predict is not built"
	jq -c '.label_tb = (if .label_ret == null then null
		elif .label_ret > 0.003 then 1 elif .label_ret < -0.003 then -1
		else 0 end) | .label_tb_end = .label_ret_end
		| del(.label_up, .label_up_end, .label_vol, .label_vol_end)' \
		"$L" >tb.ndjson
	local p=n_estimators=10,max_depth=3
	bp-cv run "${WF[@]}" --model gbdt --params $p --label label_tb \
		--oos oos --plain tb.ndjson >sum.json
	[ "$(jq -r .model.task sum.json)" = multiclass ]
	jq -e '.mean | has("f1_macro") and has("logloss")' sum.json
	[ "$(head -n1 oos | jq -c 'keys_unsorted[-6:]')" = '["score","score_m1","score_0","score_p1","signal","fold"]' ]
	jq -e 'select(((.score_m1 + .score_0 + .score_p1) - 1 | fabs) > 1e-12
		or ((.score - (.score_p1 - .score_m1)) | fabs) > 1e-12)' oos && false
	# fold 2 against bp-train and bp-predict on its rows
	bp-cv split "${WF[@]}" --label label_tb --fold 2 --plain tb.ndjson >f
	jq -c 'select(.role == "train") | del(.fold, .role)' f >train
	jq -c 'select(.role == "test") | del(.fold, .role)' f >test
	bp-train -q --model gbdt --params $p --label label_tb --valid-frac 0 \
		--seed 1 -o model.json train
	bp-predict --model model.json --plain test |
		jq -c '[.ts, .score, .score_m1, .score_0, .score_p1, .signal]' >expect
	jq -c 'select(.fold == 2) |
		[.ts, .score, .score_m1, .score_0, .score_p1, .signal]' oos >actual
	diff -u expect actual
}

@test "bp-cv run: --model over a spec of another kind drops its params, as bp-train" {
	cat >spec.json <<-'EOF2'
	{"model": {"kind": "gbdt", "label": "label_up",
	 "params": {"n_estimators": 20, "max_depth": 3}}}
	EOF2
	bp-cv run "${WF[@]}" --spec spec.json --model logreg "$L" >sum.json
	[ "$(jq -r .model.kind sum.json)" = logreg ]
	jq -e '.model.params | has("n_estimators") | not' sum.json
	# the same kind keeps them
	bp-cv run "${WF[@]}" --spec spec.json --model gbdt "$L" >s2.json
	[ "$(jq -r .model.params.n_estimators s2.json)" = 20 ]
}

@test "bp-cv run: a purging scheme takes the label (and its _end) from --spec" {
	cat >spec.json <<-'EOF2'
	{"model": {"kind": "logreg", "label": "label_up"}}
	EOF2
	bp-cv run --scheme purged-kfold --folds 4 --spec spec.json "$L" >sum.json
	[ "$(jq -r .model.label sum.json)" = label_up ]
	[ "$(jq .n_folds sum.json)" = 4 ]
	# without a label anywhere it is still a usage error
	echo '{"model": {"kind": "logreg"}}' >nolabel.json
	run -2 --separate-stderr bp-cv run --scheme purged-kfold --folds 4 \
		--spec nolabel.json "$L"
	[[ $stderr == *"needs --label"* ]]
}
