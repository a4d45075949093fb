#!/usr/bin/env bats
# bp-predict: scores and signals, every model kind, missing features,
# registry references, thresholds, bad input.
load helper

setup() { bp_setup; }

T=$FIX/models/train.ndjson

# train NAME KIND LABEL [PARAMS]: a model file NAME.json
train() {
	bp-train -q --model "$2" --label "$3" ${4:+--params "$4"} --seed 1 \
		-o "$1.json" "$T"
}

@test "bp-predict: --help on stdout, exit 0" {
	run -0 --separate-stderr bp-predict --help
	[[ $output == usage:\ bp-predict* && $output == *"See bp-predict(1)."* ]]
	[ -z "$stderr" ]
}

@test "bp-predict: --version is one line" {
	run -0 bp-predict --version
	[[ $output =~ ^bp-predict\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "bp-predict: usage errors exit 2" {
	run -2 --separate-stderr bp-predict --bogus
	[[ $stderr == *"Try 'bp-predict --help'."* ]]
	run -2 --separate-stderr bp-predict "$T"
	[[ $stderr == *"--model is required"* ]]
	run -2 --separate-stderr bp-predict --model m.json --long x "$T"
	[[ $stderr == *"--long: 'x' is not a number"* ]]
	run -2 --separate-stderr bp-predict --model m.json --on-missing maybe "$T"
	[[ $stderr == *"--on-missing"* ]]
	run -2 --separate-stderr bp-predict --model m.json --threads 65 "$T"
	[[ $stderr == *"--threads"* ]]
}

@test "bp-predict: missing input and model files are named, exit 1" {
	train m gbdt label_up n_estimators=3
	run -1 --separate-stderr bp-predict --model m.json nope.ndjson
	[[ $stderr == *"cannot open 'nope.ndjson'"* ]]
	run -1 --separate-stderr bp-predict --model nope.json "$T"
	[[ $stderr == *"nope.json"* ]]
}

@test "bp-predict: truncated zstd input, exit 1" {
	train m gbdt label_up n_estimators=3
	zstd -q -c "$T" | head -c 50 >cut.zst
	run -1 --separate-stderr bp-predict --model m.json --plain cut.zst
	[[ $stderr == *cut.zst* ]]
}

@test "bp-predict: writing to /dev/full fails with exit 1" {
	train m gbdt label_up n_estimators=3
	run -1 --separate-stderr bp-predict --model m.json -o /dev/full "$T"
	run -1 --separate-stderr bash -c \
		'bp-predict --model m.json --plain "$1" >/dev/full' _ "$T"
	[[ $stderr == *"<stdout>"* || $stderr == *"No space"* ]]
}

@test "bp-predict: a failed -o leaves nothing behind" {
	train m logreg label_up
	mkdir out
	run -1 --separate-stderr bp-predict --model m.json -o out/p.zst "$T"
	[[ $stderr == *"train.ndjson:1: 'f_c' is null and a logreg model cannot use nulls"* ]]
	[ ! -e out/p.zst ]
	no_temp_left out
}

@test "bp-predict: golden gbdt scores and signals" {
	train m gbdt label_up n_estimators=5,max_depth=2
	bp-predict --model m.json -o p.zst "$T"
	check_golden bp-predict gbdt p.zst
}

@test "bp-predict: every other column kept, score and signal appended" {
	train m gbdt label_up n_estimators=5
	bp-predict --model m.json --plain "$T" >p.ndjson
	[ "$(wc -l <p.ndjson)" -eq 120 ]
	run -0 bash -c "jq -c 'del(.score, .signal)' p.ndjson | cmp - <(jq -c . '$T')"
	run -0 jq -c '[keys_unsorted[-2:][]]' <(head -1 p.ndjson)
	[ "$output" = '["score","signal"]' ]
	# signal: +1 at or above 0.55, -1 at or below 0.45, else 0
	run -0 jq -s '[.[] | select((.score >= 0.55 and .signal != 1) or
		(.score <= 0.45 and .signal != -1) or
		(.score > 0.45 and .score < 0.55 and .signal != 0))] | length' p.ndjson
	[ "$output" = 0 ]
	# rescoring a scored stream replaces the columns
	bp-predict --model m.json --plain p.ndjson | cmp - p.ndjson
}

@test "bp-predict: round trip of every kind: predictions match the model's own metrics" {
	local kind label
	for spec in gbdt:label_up logreg:label_up linear:label_ret \
		mlp:label_up gbdt:label_tb gbdt:label_ret mlp:label_tb; do
		kind=${spec%%:*} label=${spec#*:}
		bp-train -q --model $kind --label $label --valid-frac 0 \
			-o m.json "$T"
		bp-predict --model m.json --on-missing skip --plain "$T" >p.ndjson
		# the model's stored training metric, recomputed from its scores
		case $(jq -r .task m.json) in
		binary)
			want=$(jq .metrics.train.brier m.json)
			got=$(jq -s --arg l $label '[.[] | select(.[$l] != null) |
				(.score - .[$l]) * (.score - .[$l])] | add / length' \
				p.ndjson) ;;
		regression)
			want=$(jq .metrics.train.mae m.json)
			got=$(jq -s --arg l $label '[.[] | select(.[$l] != null) |
				(.score - .[$l]) | fabs] | add / length' p.ndjson) ;;
		multiclass)
			want=$(jq .metrics.train.logloss m.json)
			got=$(jq -s --arg l $label '[.[] | select(.[$l] != null) |
				(if .[$l] == -1 then .score_m1 elif .[$l] == 0
				 then .score_0 else .score_p1 end) | log] |
				-(add / length)' p.ndjson) ;;
		esac
		# the same rows and the same numbers, summed in another
		# order (jq): equal to 1e-12 relative
		run -0 jq -n --argjson a "$want" --argjson b "$got" \
			'(($a - $b) | fabs) <= 1e-12 * ([1, ($a | fabs)] | max)'
		[ "$output" = true ] || { echo "$spec: $want vs $got"; false; }
	done
}

@test "bp-predict: multiclass columns and the expected-value score" {
	train m gbdt label_tb n_estimators=10
	bp-predict --model m.json --plain "$T" >p.ndjson
	run -0 jq -c '[keys_unsorted[-5:][]]' <(head -1 p.ndjson)
	[ "$output" = '["score_m1","score_0","score_p1","score","signal"]' ]
	run -0 jq -s '[.[] | select(((.score_m1 + .score_0 + .score_p1) - 1 |
		fabs) > 1e-12 or ((.score - (.score_p1 - .score_m1)) | fabs) >
		1e-12)] | length' p.ndjson
	[ "$output" = 0 ]
}

@test "bp-predict: thresholds and --long-only" {
	train m gbdt label_up n_estimators=5
	bp-predict --model m.json --long 0.9 --short 0.1 --plain "$T" >p.ndjson
	run -0 jq -s '[.[] | select((.score >= 0.9 and .signal != 1) or
		(.score <= 0.1 and .signal != -1) or
		(.score > 0.1 and .score < 0.9 and .signal != 0))] | length' p.ndjson
	[ "$output" = 0 ]
	bp-predict --model m.json --long-only --plain "$T" >p.ndjson
	run -0 jq -s '[.[] | select(.signal == -1)] | length' p.ndjson
	[ "$output" = 0 ]
	run -1 --separate-stderr bp-predict --model m.json --long 0.4 "$T"
	[[ $stderr == *"--short (0.45) must be below --long (0.4)"* ]]
	# regression: the sign
	train r linear label_ret
	bp-predict --model r.json --on-missing skip --plain "$T" >p.ndjson
	run -0 jq -s '[.[] | select((.score > 0) != (.signal == 1))] | length' \
		p.ndjson
	[ "$output" = 0 ]
}

@test "bp-predict: missing features, per model kind" {
	train g gbdt label_up n_estimators=5
	train l logreg label_up
	# gbdt: nulls take the learned default direction
	run -0 bash -c "bp-predict --model g.json --plain '$T' | head -1 |
		jq .score"
	[[ $output =~ ^0\.[0-9]+ ]]
	run -1 --separate-stderr bp-predict --model l.json "$T"
	[[ $stderr == *"train.ndjson:1: 'f_c' is null and a logreg model cannot use nulls (see --on-missing)"* ]]
	run -0 bash -c "bp-predict --model l.json --on-missing skip --plain '$T' | wc -l"
	[ "$output" = 115 ]
	run -0 bash -c "bp-predict --model l.json --on-missing null --plain '$T' |
		head -1 | jq -c '[.score, .signal]'"
	[ "$output" = '[null,0]' ]
	# a feature column that is not there at all is an error for every kind
	jq -c 'del(.f_b)' "$T" >nob.ndjson
	run -1 --separate-stderr bp-predict --model g.json nob.ndjson
	[[ $stderr == *"nob.ndjson:1: 'f_b' (a feature of the model) is missing"* ]]
	jq -c '.f_b = "high"' "$T" >str.ndjson
	run -1 --separate-stderr bp-predict --model g.json str.ndjson
	[[ $stderr == *"str.ndjson:1: 'f_b' is not a number"* ]]
}

@test "bp-predict: wrong and damaged model files are refused" {
	train m gbdt label_up n_estimators=3
	jq -c '.format = "xgboost"' m.json >bad.json
	run -1 --separate-stderr bp-predict --model bad.json "$T"
	[[ $stderr == *'bad.json: not a barpipe model'* ]]
	jq -c '.format_version = 2' m.json >v2.json
	run -1 --separate-stderr bp-predict --model v2.json "$T"
	[[ $stderr == *"model format version 2 is not supported (this barpipe reads version 1)"* ]]
	jq -c '.kind = "forest"' m.json >kind.json
	run -1 --separate-stderr bp-predict --model kind.json "$T"
	[[ $stderr == *"unknown model kind 'forest'"* ]]
	jq -c 'del(.features)' m.json >nof.json
	run -1 --separate-stderr bp-predict --model nof.json "$T"
	[[ $stderr == *"model has no 'features' list"* ]]
	jq -c '.model.trees[0].left[0] = 0' m.json >cyc.json
	run -1 --separate-stderr bp-predict --model cyc.json "$T"
	[[ $stderr == *"tree 0 node 0: bad split"* ]]
	jq -c '.model.trees[0].value |= .[1:]' m.json >len.json
	run -1 --separate-stderr bp-predict --model len.json "$T"
	[[ $stderr == *"model 'value' has"* ]]
	head -c 300 m.json >cut.json
	run -1 --separate-stderr bp-predict --model cut.json "$T"
	[[ $stderr == *cut.json* ]]
	train l logreg label_up
	jq -c '.model.coef |= .[1:]' l.json >lc.json
	run -1 --separate-stderr bp-predict --model lc.json "$T"
	[[ $stderr == *"model 'coef' has 2 values, not 3"* ]]
}

@test "bp-predict: registered models by name and version" {
	bp-train -q --model gbdt --label label_up --params n_estimators=3 \
		--register up "$T"
	run -1 --separate-stderr bp-predict --model up "$T"
	[[ $stderr == *"model 'up' has no active version"* ]]
	bp-model -q promote up@1
	bp-predict --model up --plain "$T" >a.ndjson
	bp-predict --model up@1 --plain "$T" >b.ndjson
	cmp a.ndjson b.ndjson
	run -1 --separate-stderr bp-predict --model up@7 "$T"
	[[ $stderr == *"model 'up' has no version 7"* ]]
	run -1 --separate-stderr bp-predict --model nosuch "$T"
	[[ $stderr == *"no model 'nosuch'"* ]]
	# an artefact changed on disk is refused
	echo ' ' >>"$BARPIPE_HOME/models/up/1.json"
	run -1 --separate-stderr bp-predict --model up "$T"
	[[ $stderr == *"sha256 does not match"* ]]
}

@test "bp-predict: any number of threads, the same bytes" {
	train m gbdt label_up n_estimators=20
	train t gbdt label_tb n_estimators=6
	train l logreg label_up
	# 9600 rows: several blocks of 1024 in flight at once
	for i in $(seq 80); do cat "$T"; done >big.ndjson
	bp-predict --model m.json --threads 1 -o a.zst big.ndjson
	[ "$(unz a.zst | wc -l)" -eq 9600 ]
	for n in 2 3 8; do
		bp-predict --model m.json --threads $n -o b.zst big.ndjson
		cmp a.zst b.zst
	done
	bp-predict --model m.json -o b.zst big.ndjson
	cmp a.zst b.zst
	BARPIPE_AVX512=0 bp-predict --model m.json -o b.zst big.ndjson
	cmp a.zst b.zst
	for m in t l; do
		bp-predict --model $m.json --on-missing null --threads 1 --plain \
			big.ndjson >a.ndjson
		bp-predict --model $m.json --on-missing null --threads 3 --plain \
			big.ndjson >b.ndjson
		cmp a.ndjson b.ndjson
	done
	# the rows of one input file at a time, every file in turn
	bp-predict --model m.json --threads 2 --plain "$T" big.ndjson "$T" \
		>c.ndjson
	[ "$(wc -l <c.ndjson)" -eq 9840 ]
	unz a.zst | cmp - <(sed -n '121,9720p' c.ndjson)
}

@test "bp-predict: a bad row deep in the input: an error naming it, the same on any threads" {
	train m gbdt label_up n_estimators=5
	for i in $(seq 30); do cat "$T"; done >big.ndjson
	# line 2500 (block 3 of 1024 rows) is not JSON
	sed '2500s/.*/{"ts":/' big.ndjson >bad.ndjson
	for n in 1 2 4; do
		run -1 --separate-stderr bash -c \
			"bp-predict --model m.json --threads $n --plain bad.ndjson \
			>out.$n.ndjson"
		[[ $stderr == *"bad.ndjson:2500: "* ]]
	done
	# what reached stdout before the error: the start of the good output
	cmp out.1.ndjson out.2.ndjson
	cmp out.1.ndjson out.4.ndjson
	[ "$(wc -l <out.1.ndjson)" -lt 2500 ]
	bp-predict --model m.json --plain big.ndjson |
		head -c "$(wc -c <out.1.ndjson)" | cmp - out.1.ndjson
}

# rows of unusual shapes between ordinary ones: each must score as it does
# alone (a row alone in its input is always parsed in full)
@test "bp-predict: rows of every shape score as they do alone" {
	train m gbdt label_up n_estimators=8
	head -40 "$T" >mixed.ndjson
	cat >>mixed.ndjson <<'ROWS'
{"ts": "2024-01-03T00:00:00Z", "symbol": "TST", "f_a": 0.5, "f_b": -1.25, "f_c": null}
{"f_c":2.5,"f_b":0.1,"f_a":-0.3,"ts":"2024-01-03T01:00:00Z"}
{"ts":"2024-01-03T02:00:00Z","f\u005fa":1.5,"f_b":0.2,"f_c":0.3}
{"ts":"2024-01-03T03:00:00Z","f_a":true,"f_b":false,"f_c":1}
{"ts":"2024-01-03T04:00:00Z","f_a":1.5e-3,"f_b":-0,"f_c":1E+2}
{"ts":"2024-01-03T05:00:00Z","f_a":0.0,"f_b":-12e1,"f_c":3.25E-1}
{"ts":"2024-01-03T06:00:00Z","note":"a\"b\\c","f_a":0.7,"f_b":0.8,"f_c":0.9}
{"ts":"2024-01-03T07:00:00Z","f_a":0.7,"f_b":0.8,"f_c":0.9,"extra":[]}
{"ts":"2024-01-03T08:00:00Z","f_a":0.7,"f_a":-5,"f_b":0.8,"f_c":0.9}
{"ts":"2024-01-03T09:00:00Z","note":"caf\u00e9 é","f_a":1e400,"f_b":0.8,"f_c":-0.9}
{"ts":"2024-01-03T10:00:00Z","f_a":12345678901234567890123,"f_b":0.8,"f_c":0}
ROWS
	printf '%s\r\n' "$(sed -n 3p "$T")" >>mixed.ndjson
	sed -n '41,60p' "$T" >>mixed.ndjson
	sed -i '/"extra":\[\]/d' mixed.ndjson
	[ "$(wc -l <mixed.ndjson)" -eq 71 ]
	bp-predict --model m.json --plain mixed.ndjson >all.ndjson
	while IFS= read -r row; do
		printf '%s\n' "$row" | bp-predict --model m.json --plain
	done <mixed.ndjson >alone.ndjson
	cmp all.ndjson alone.ndjson
	# without AVX-512 (the forest's ranks, the scan's masks): the same
	BARPIPE_AVX512=0 bp-predict --model m.json --plain mixed.ndjson |
		cmp - all.ndjson
	bp-predict --model m.json --keep ts,f_b --plain mixed.ndjson >k1.ndjson
	while IFS= read -r row; do
		printf '%s\n' "$row" | bp-predict --model m.json --keep ts,f_b \
			--plain
	done <mixed.ndjson >k2.ndjson
	cmp k1.ndjson k2.ndjson
}

@test "bp-predict: errors in rows of an ordinary stream name their line" {
	train m gbdt label_up n_estimators=3
	for i in 1 2 3 4 5; do cat "$T"; done >big.ndjson
	# with AVX-512 and without: the same checks
	for v in 1 0; do
		export BARPIPE_AVX512=$v
		sed '250s/"f_b":[^,]*/"f_b":"high"/' big.ndjson >str.ndjson
		run -1 --separate-stderr bp-predict --model m.json -o o.zst str.ndjson
		[[ $stderr == *"str.ndjson:250: 'f_b' is not a number"* ]]
		sed '260s/"f_b":[^,]*,//' big.ndjson >nob.ndjson
		run -1 --separate-stderr bp-predict --model m.json -o o.zst nob.ndjson
		[[ $stderr == *"nob.ndjson:260: 'f_b' (a feature of the model) is missing"* ]]
		sed '270s/"f_b":[^,]*/"f_b":01/' big.ndjson >num.ndjson
		run -1 --separate-stderr bp-predict --model m.json -o o.zst num.ndjson
		[[ $stderr == *"num.ndjson:270: expected ',' or '}' at byte "* ]]
		sed '285s/"f_b":[^,]*/"f_b":1:2/' big.ndjson >colon.ndjson
		run -1 --separate-stderr bp-predict --model m.json -o o.zst colon.ndjson
		[[ $stderr == *"colon.ndjson:285: expected ',' or '}' at byte "* ]]
		sed '280s/"f_b":[^,]*/"f_b":{"x":1}/' big.ndjson >nest.ndjson
		run -1 --separate-stderr bp-predict --model m.json -o o.zst nest.ndjson
		[[ $stderr == *"nest.ndjson:280: 'f_b' holds a nested value (rows are flat)"* ]]
		sed '295s/"note":"x"/"note":"a\\xb"/' big.ndjson >esc.ndjson
		run -1 --separate-stderr bp-predict --model m.json -o o.zst esc.ndjson
		[[ $stderr == *"esc.ndjson:295: bad escape in string at byte "* ]]
		sed '298s/"note":"x"/"note":"a\tb"/' big.ndjson >ctl.ndjson
		run -1 --separate-stderr bp-predict --model m.json -o o.zst ctl.ndjson
		[[ $stderr == *"ctl.ndjson:298: control character in string at byte "* ]]
		sed '290s/}$/}x/' big.ndjson >tail.ndjson
		run -1 --separate-stderr bp-predict --model m.json -o o.zst tail.ndjson
		[[ $stderr == *"tail.ndjson:290: text after the object"* ]]
		[ ! -e o.zst ]
	done
}

# a feature's value is checked as it is read: any text that is not a JSON
# value stops the stream with the error the row gets when read alone
@test "bp-predict: a feature that is not a value, deep in a stream: the row's own error" {
	train m gbdt label_up n_estimators=3
	for i in 1 2 3; do cat "$T"; done >big.ndjson
	for v in nul nulls tru fals 1. .5 - 1e +1 0x1 1.5.2 '' '"' 'NaN' '1 x'; do
		for avx in 1 0; do
			awk -v v="$v" 'NR == 300 { sub(/"f_b":[^,]*/, "\"f_b\":" v) }
				{ print }' big.ndjson >bad.ndjson
			sed -n 300p bad.ndjson >alone.ndjson
			BARPIPE_AVX512=$avx run -1 --separate-stderr \
				bp-predict --model m.json --plain alone.ndjson
			want=${stderr#bp-predict: alone.ndjson:1: }
			[ "$want" != "$stderr" ]
			BARPIPE_AVX512=$avx run -1 --separate-stderr \
				bp-predict --model m.json -o o.zst bad.ndjson
			[ "$stderr" = "bp-predict: bad.ndjson:300: $want" ] ||
				{ echo "value '$v': $stderr / $want"; false; }
		done
	done
	[ ! -e o.zst ]
}

@test "bp-predict: --keep writes only the named columns, then the scores" {
	train m gbdt label_up n_estimators=5
	bp-predict --model m.json --plain "$T" >all.ndjson
	bp-predict --model m.json --keep close,ts --plain "$T" >k.ndjson
	run -0 jq -c 'keys_unsorted' <(head -1 k.ndjson)
	# input order, whatever the order given
	[ "$output" = '["ts","close","score","signal"]' ]
	jq -c '{ts, close, score, signal}' all.ndjson | cmp - <(jq -c . k.ndjson)
	# values as read: 100.0 stays 100.0
	run -0 bash -c "bp-predict --model m.json --keep open --plain '$T' |
		head -1"
	[[ $output == '{"open":100.0,"score":0.'*',"signal":'* ]]
	# multiclass columns too; a replaced column in the input is dropped
	train t gbdt label_tb n_estimators=5
	bp-predict --model t.json --plain "$T" >t.ndjson
	bp-predict --model t.json --keep symbol --plain t.ndjson >tk.ndjson
	jq -c '{symbol, score_m1, score_0, score_p1, score, signal}' t.ndjson |
		cmp - <(jq -c . tk.ndjson)
	# the same bytes on any number of threads
	for i in $(seq 20); do cat "$T"; done >big.ndjson
	bp-predict --model m.json --keep ts --threads 1 -o a.zst big.ndjson
	bp-predict --model m.json --keep ts --threads 3 -o b.zst big.ndjson
	cmp a.zst b.zst
	# skipped rows are not written, null rows are
	train l logreg label_up
	run -0 bash -c "bp-predict --model l.json --on-missing skip --keep ts \
		--plain '$T' | wc -l"
	[ "$output" = 115 ]
	run -0 bash -c "bp-predict --model l.json --on-missing null --keep ts \
		--plain '$T' | head -1"
	[ "$output" = '{"ts":"2024-01-01T00:00:00Z","score":null,"signal":0}' ]
}

@test "bp-predict: --keep errors" {
	train m gbdt label_up n_estimators=3
	run -2 --separate-stderr bp-predict --model m.json --keep ts,,close "$T"
	[[ $stderr == *"--keep: an empty column name"* ]]
	run -2 --separate-stderr bp-predict --model m.json --keep ts,ts "$T"
	[[ $stderr == *"--keep: 'ts' given twice"* ]]
	run -2 --separate-stderr bp-predict --model m.json --keep score "$T"
	[[ $stderr == *"--keep: 'score' is a column bp-predict writes"* ]]
	run -2 --separate-stderr bp-predict --model m.json --keep score_p1 "$T"
	[[ $stderr == *"--keep: 'score_p1' is a column bp-predict writes"* ]]
	# a row without a kept column: the input, the line, the column
	sed '7s/"note":"x",//' "$T" >nonote.ndjson
	run -1 --separate-stderr bash -c \
		"bp-predict --model m.json --keep ts,note --plain nonote.ndjson \
		>out.ndjson"
	[[ $stderr == *"nonote.ndjson:7: 'note' (a --keep column) is missing"* ]]
	[ "$(wc -l <out.ndjson)" -lt 7 ]
}

@test "bp-predict: the man page's EXAMPLES run as written" {
	ln -s "$ROOT/data" data
	ln -s "$ROOT/strategies" strategies
	bp-fetch csv data/sample/BTCUSDT-1h.csv --symbol BTCUSDT |
		bp-features --spec strategies/rsi_gbdt.json -o btc.features.zst
	bp-train -q --spec strategies/rsi_gbdt.json -o rsi.model.json \
		btc.features.zst
	run -0 bash -c "bp-predict --model rsi.model.json btc.features.zst --plain |
		jq -r .signal | sort | uniq -c"
	[[ $output == *" 1"* && $output == *" -1"* ]]
	bp-train -q --spec strategies/rsi_gbdt.json --register rsi \
		btc.features.zst
	bp-model promote rsi@1
	bp-predict --model rsi --long 0.6 --long-only btc.features.zst |
		bp-backtest --fee-bps 10 >summary.json
	jq -e . summary.json >/dev/null
	bp-train -q --model logreg --label label_up -o lr.json btc.features.zst
	run -0 bash -c "bp-predict --model lr.json --on-missing null --plain \
		btc.features.zst | head -1 | jq -c '{ts, score, signal}'"
	[ "$output" = '{"ts":"2019-09-29T08:00:00Z","score":null,"signal":0}' ]
	bp-predict --model rsi.model.json --keep ts,symbol,open,high,low,close \
		-o signals.zst btc.features.zst
	bp-backtest --fee-bps 10 signals.zst >keep-summary.json
	# the same backtest as with every column
	bp-predict --model rsi.model.json btc.features.zst |
		bp-backtest --fee-bps 10 | cmp - keep-summary.json
}
