#!/usr/bin/env bats
# bp-train: options, every model kind, model files, determinism, bad input.
load helper

setup() { bp_setup; }

T=$FIX/models/train.ndjson

@test "bp-train: --help on stdout, exit 0" {
	run -0 --separate-stderr bp-train --help
	[[ $output == usage:\ bp-train* ]]
	[[ $output == *"See bp-train(1)."* ]]
	[ -z "$stderr" ]
}

@test "bp-train: --version is one line" {
	run -0 bp-train --version
	[[ $output =~ ^bp-train\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "bp-train: unknown option, bad values and parameters exit 2" {
	run -2 --separate-stderr bp-train --bogus
	[[ $stderr == *"Try 'bp-train --help'."* ]]
	run -2 --separate-stderr bp-train --model forest --label label_up "$T"
	[[ $stderr == *"'forest' is not a model kind"* ]]
	run -2 --separate-stderr bp-train --model gbdt --label label_up \
		--valid-frac 2 "$T"
	[[ $stderr == *"--valid-frac: '2' is not a number in [0, 0.9]"* ]]
	run -2 --separate-stderr bp-train --model gbdt --label label_up \
		--params depth=3 "$T"
	[[ $stderr == *"gbdt: unknown parameter 'depth'"* ]]
	run -2 --separate-stderr bp-train --model gbdt --label label_up \
		--params max_depth=100 "$T"
	[[ $stderr == *"'max_depth' must be an integer in [0, 64]"* ]]
	run -2 --separate-stderr bp-train --model gbdt "$T"
	[[ $stderr == *"--label is required"* ]]
	run -2 --separate-stderr bp-train --label label_up "$T"
	[[ $stderr == *"--model is required"* ]]
}

@test "bp-train: a missing input file is named, exit 1" {
	run -1 --separate-stderr bp-train --model gbdt --label label_up nope.ndjson
	[[ $stderr == *"cannot open 'nope.ndjson'"* ]]
}

@test "bp-train: truncated zstd input, exit 1" {
	zstd -q -c "$T" | head -c 50 >cut.zst
	run -1 --separate-stderr bp-train --model gbdt --label label_up cut.zst
	[[ $stderr == *cut.zst* ]]
}

@test "bp-train: writing to /dev/full fails with exit 1" {
	run -1 --separate-stderr bp-train --model logreg --label label_up \
		-o /dev/full "$T"
	[[ $stderr == *"/dev/full"* ]] || [[ $stderr == *"No space"* ]]
	run -1 --separate-stderr bash -c \
		'bp-train --model logreg --label label_up "$1" >/dev/full' _ "$T"
}

@test "bp-train: a failed -o leaves nothing behind" {
	mkdir out
	run -1 --separate-stderr bp-train --model gbdt --label label_zz \
		-o out/m.json "$T"
	[[ $stderr == *"label column 'label_zz' is not in the input"* ]]
	[ ! -e out/m.json ]
	no_temp_left out
}

@test "bp-train: golden gbdt and logreg model files" {
	bp-train -q --model gbdt --label label_up --seed 3 \
		--params n_estimators=5,max_depth=2 -o gbdt.json "$T"
	check_golden bp-train gbdt gbdt.json
	bp-train -q --model logreg --label label_up -o logreg.json "$T"
	check_golden bp-train logreg logreg.json
}

@test "bp-train: same --seed, byte-identical; threads do not matter" {
	local p=n_estimators=30,subsample=0.7,colsample_bytree=0.6
	bp-train -q --model gbdt --label label_up --seed 9 --params $p \
		--threads 1 -o a.json "$T"
	bp-train -q --model gbdt --label label_up --seed 9 --params $p \
		--threads 2 -o b.json "$T"
	cmp a.json b.json
	bp-train -q --model gbdt --label label_up --seed 10 --params $p \
		-o c.json "$T"
	! cmp -s a.json c.json
	bp-train -q --model mlp --label label_up --seed 9 -o m1.json "$T"
	bp-train -q --model mlp --label label_up --seed 9 -o m2.json "$T"
	cmp m1.json m2.json
}

@test "bp-train: the model file's keys" {
	bp-train -q --model gbdt --label label_up --params n_estimators=3 \
		-o m.json "$T"
	run -0 jq -c '[keys_unsorted[]]' m.json
	[ "$output" = '["format","format_version","kind","barpipe_version","task","label","features","params","training","metrics","importance","fit","reference","model"]' ]
	run -0 jq -c '[.format, .format_version, .kind, .task, .label]' m.json
	[ "$output" = '["barpipe-model",1,"gbdt","binary","label_up"]' ]
	# default features: numeric, not OHLCV, not labels, not strings
	run -0 jq -c .features m.json
	[ "$output" = '["f_a","f_b","f_c"]' ]
	run -0 jq -c '.training | [.rows_read, .skipped_null_label,
		.train_rows + .valid_rows, .range.TST.first, .range.TST.last]' m.json
	[ "$output" = '[120,2,118,"2024-01-01T00:00:00Z","2024-01-05T21:00:00Z"]' ]
	run -0 jq -r '.training.data_sha256 | length' m.json
	[ "$output" = 64 ]
	run -0 jq -c '.metrics.valid | keys_unsorted' m.json
	[ "$output" = '["n","logloss","auc","accuracy","precision","recall","f1","brier"]' ]
	run -0 jq '.importance | add' m.json
	[[ $output == 1 || $output == 0.99999* || $output == 1.0000000* ]]
}

@test "bp-train: metrics on stderr, one line; -q silences it" {
	run -0 --separate-stderr bp-train --model logreg --label label_up \
		-o m.json "$T"
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ $stderr == "bp-train: logreg label_up valid: n=24 logloss="* ]]
	[[ $stderr == *"skipped 2 null labels"* ]]
	run -0 --separate-stderr bp-train -q --model logreg --label label_up \
		-o m.json "$T"
	[ -z "$stderr" ]
}

@test "bp-train: every kind and task" {
	bp-train -q --model gbdt --label label_tb -o tb.json "$T"
	run -0 jq -c '[.task, .classes, .model.objective]' tb.json
	[ "$output" = '["multiclass",[-1,0,1],"multi:softmax"]' ]
	bp-train -q --model gbdt --label label_ret -o ret.json "$T"
	run -0 jq -r .task ret.json
	[ "$output" = regression ]
	bp-train -q --model linear --label label_ret -o lin.json "$T"
	run -0 jq -c '[.task, .fit.converged, .fit.solver]' lin.json
	[ "$output" = '["regression",true,"newton"]' ]
	bp-train -q --model logreg --label label_up --params l1=2 -o l1.json "$T"
	run -0 jq -c '[.fit.converged, .fit.solver]' l1.json
	[ "$output" = '[true,"proximal-newton"]' ]
	bp-train -q --model mlp --label label_tb -o mlp.json "$T"
	run -0 jq -c '[.task, (.model.layers | length)]' mlp.json
	[ "$output" = '["multiclass",3]' ]
	bp-train -q --model gbdt --label label_up --params max_leaves=4,max_depth=0 \
		-o lw.json "$T"
	run -0 jq '[.model.trees[0].feature[] | select(. < 0)] | length' lw.json
	[ "$output" -le 4 ]
}

@test "bp-train: gbdt's boost_from_average: the labels' log-odds, or 0" {
	# 37 of the 94 training rows (valid-frac 0.2 keeps the last 24 of 118
	# with a label) are up: log(37/57)
	bp-train -q --model gbdt --label label_up --params n_estimators=2 \
		-o avg.json "$T"
	run -0 jq -r '.model.base_score[0]' avg.json
	awk -v b="$output" 'BEGIN { d = b - log(37 / 57); exit !(d < 1e-12 && d > -1e-12) }'
	bp-train -q --model gbdt --label label_up \
		--params n_estimators=2,boost_from_average=0 -o zero.json "$T"
	run -0 jq -c '[.model.base_score, .params.boost_from_average]' zero.json
	[ "$output" = '[[0],0]' ]
	! cmp -s avg.json zero.json
	run -2 --separate-stderr bp-train --model gbdt --label label_up \
		--params boost_from_average=2 "$T"
	[[ $stderr == *"'boost_from_average' must be an integer in [0, 1]"* ]]
}

@test "bp-train: logreg skips rows with a null feature and says so" {
	run -0 --separate-stderr bp-train -v --model logreg --label label_up \
		--valid-frac 0 -o m.json "$T"
	[[ $stderr == *"skipped 5 training rows with a null feature"* ]]
	run -0 jq .training.skipped_rows m.json
	[ "$output" = 5 ]
}

@test "bp-train: features by list and glob, in the order given" {
	bp-train -q --model gbdt --label label_up --features 'f_c,f_[ab]' \
		-o m.json "$T"
	run -0 jq -c .features m.json
	[ "$output" = '["f_c","f_a","f_b"]' ]
}

@test "bp-train: --spec gives kind, label, params and features" {
	bp-train -q --spec "$FIX/models/spec.json" -o m.json "$T"
	run -0 jq -c '[.kind, .label, .features, .params.n_estimators,
		.params.max_depth]' m.json
	[ "$output" = '["gbdt","label_up",["f_b","f_c"],7,2]' ]
	# the command line wins, parameter by parameter
	bp-train -q --spec "$FIX/models/spec.json" --params max_depth=3 \
		-o m.json "$T"
	run -0 jq -c '[.params.n_estimators, .params.max_depth]' m.json
	[ "$output" = '[7,3]' ]
	echo '{"name":"x"}' >nomodel.json
	run -1 --separate-stderr bp-train --spec nomodel.json "$T"
	[[ $stderr == *'no "model" object in the spec'* ]]
}

@test "bp-train: bad input, each with its error" {
	run -1 --separate-stderr bp-train --model gbdt --label label_up \
		--features f_a,label_ret "$T"
	[[ $stderr == *"'label_ret' is a label column and cannot be a feature"* ]]
	run -1 --separate-stderr bp-train --model gbdt --label label_up \
		--features label_up "$T"
	[[ $stderr == *"'label_up' is a label column"* ]]
	run -1 --separate-stderr bp-train --model gbdt --label label_up \
		--features note "$T"
	[[ $stderr == *"train.ndjson:1: 'note' is not a number"* ]]
	run -1 --separate-stderr bp-train --model gbdt --label label_up \
		--features 'zz*' "$T"
	[[ $stderr == *"feature pattern 'zz*' matches no numeric column"* ]]
	: >empty.ndjson
	run -1 --separate-stderr bp-train --model gbdt --label label_up empty.ndjson
	[[ $stderr == *"empty.ndjson: no rows in the input"* ]]
	jq -c '.label_up = null' "$T" >nolabels.ndjson
	run -1 --separate-stderr bp-train --model gbdt --label label_up nolabels.ndjson
	[[ $stderr == *"no row has a value for the label 'label_up'"* ]]
	run -1 --separate-stderr bp-train --model logreg --label label_tb "$T"
	[[ $stderr == *"a binary model needs a 0/1 label"* ]]
	run -1 --separate-stderr bp-train --model gbdt --label label_up \
		--valid-frac 0.9 --features f_a <(head -1 "$T")
	[[ $stderr == *"would leave no row to train on"* ]]
}

@test "bp-train: --list-params" {
	run -0 bp-train --list-params --model logreg
	[[ $output == "logreg:"* ]]
	[[ $output == *"l2 "*"1"* ]]
	[[ $output != *"gbdt:"* ]]
	run -0 bp-train --list-params
	[[ $output == *"gbdt:"* && $output == *"mlp:"* ]]
}

@test "bp-train: the man page's EXAMPLES run as written" {
	ln -s "$ROOT/data" data
	ln -s "$ROOT/strategies" strategies
	bp-fetch csv data/sample/BTCUSDT-1h.csv --symbol BTCUSDT |
		bp-features --spec strategies/rsi_gbdt.json -o btc.features.zst
	bp-train --spec strategies/rsi_gbdt.json -o rsi.model.json \
		btc.features.zst
	[ "$(jq -r .kind rsi.model.json)" = gbdt ]
	run -0 bash -c "bp-train --model logreg --label label_up --features 'rsi_14*' \
		--params l2=10 btc.features.zst |
		jq -c '{coef: .model.coef_original, fit}'"
	[[ $output == *'"converged":true'* ]]
	bp-train --model gbdt --label label_up --valid-frac 0.3 \
		--params max_leaves=15,n_estimators=300,learning_rate=0.05 \
		--register btc-up btc.features.zst
	[ -f "$BARPIPE_HOME/models/btc-up/1.json" ]
	run -0 bp-train --list-params --model mlp
	[[ $output == *hidden* ]]
}
