#!/usr/bin/env bats
# bp-features: strategy specs (loading, validation errors with JSON paths,
# the schema, the shipped strategies).
load helper

setup() { bp_setup; }

FF() { echo "$FIX/features/$1"; }

spec() {	# spec JSON: write s.json
	printf '%s\n' "$1" >s.json
}

@test "spec: a spec gives the same columns as the options" {
	spec '{"name": "t", "description": "d",
	  "indicators": ["rsi:14", {"name": "macd", "params": [12, 26, 9]},
	                 {"name": "bbands", "params": {"nbdev": 2.5}},
	                 {"name": "sma", "params": [5], "column": "volume"}],
	  "derived": [{"kind": "ret", "k": [1, 3]}, {"kind": "logret"},
	              {"kind": "lag", "column": "rsi_14", "k": 2},
	              {"kind": "rolling", "stat": "zscore", "window": [5, 10]},
	              {"kind": "volume_zscore", "window": 7},
	              {"kind": "bar"}, {"kind": "calendar"}],
	  "fuzzy_sets": [{"column": "rsi_14", "sets": "lo=tri(0,20,30)"},
	                 {"column": "close_zscore_5", "sets": [
	                   {"name": "neg", "shape": "trap", "params": [-9, -9, -2, 0]},
	                   {"name": "g", "shape": "gauss", "params": [0, 1]}]}],
	  "labels": [{"kind": "up", "horizon": 2, "deadzone": 0.001},
	             {"kind": "tb", "horizon": 5, "tp": 2, "sl": 1, "vol": "std",
	              "window": 10, "touch": "close", "name": "label_barrier"}]}'
	bp-features --spec s.json --plain "$(FF btc-300.ndjson)" >a
	bp-features -i rsi:14 -i macd:12,26,9 -i bbands:20,2.5 -i sma:5@volume \
		--ret 1,3 --logret 1 --lag rsi_14:2 --roll zscore:5,10 --volz 7 \
		--bar --calendar --fuzzy 'rsi_14:lo=tri(0,20,30)' \
		--fuzzy 'close_zscore_5:neg=trap(-9,-9,-2,0),g=gauss(0,1)' \
		--label up:2,0.001 --label label_barrier=tb:5,2,1,std,10,close \
		--plain "$(FF btc-300.ndjson)" >b
	cmp a b
	[ "$(head -1 a | jq -r 'keys_unsorted | length')" -eq 40 ]
}

@test "spec: options add to a spec's columns" {
	spec '{"indicators": ["rsi"]}'
	bp-features --spec s.json -i ema:5 --plain "$(FF tiny.ndjson)" | head -1 >out
	[ "$(jq -r 'keys_unsorted[-2:] | join(" ")' out)" = "rsi_14 ema_5" ]
}

@test "spec: a missing or unreadable spec is exit 1 naming it" {
	run -1 --separate-stderr bp-features --spec nope.json
	[[ $stderr == "bp-features: cannot open 'nope.json'"* ]]
	printf '{"indicators": [' >s.json
	run -1 --separate-stderr bp-features --spec s.json
	[[ $stderr == "bp-features: s.json:"* ]]
}

# check_error JSON MESSAGE: the spec is refused (exit 1) with this message
check_error() {
	spec "$1"
	run -1 --separate-stderr bp-features --spec s.json "$(FF tiny.ndjson)"
	[ "$stderr" = "bp-features: s.json: $2" ] ||
		{ echo "got: $stderr"; echo "want: bp-features: s.json: $2"; false; }
}

@test "spec: validation errors name the JSON path" {
	check_error '{"indicators": ["rsi", "rsx:14"]}' \
		"indicators[1]: unknown indicator 'rsx' (bp-features --list shows them)"
	check_error '{"indicators": [{"name": "rsi", "params": [1]}]}' \
		"indicators[0].params[0]: period must be an integer in [2, 100000]"
	check_error '{"indicators": [{"name": "bbands", "params": {"nbdev": -1}}]}' \
		"indicators[0].params.nbdev: nbdev must be a number in [0.0001, 1000]"
	check_error '{"indicators": [{"name": "bbands", "params": {"dev": 1}}]}' \
		"indicators[0].params.dev: bbands has no parameter 'dev'"
	check_error '{"indicators": [{"name": "rsi", "params": [14, 2]}]}' \
		"indicators[0]: rsi takes 1 parameter"
	check_error '{"indicators": [{"name": "rsi", "period": 14}]}' \
		"indicators[0]: unknown key 'period' (expected name, params, column)"
	check_error '{"indicators": [3]}' \
		'indicators[0]: expected "name:params" or an object'
	check_error '{"indicator": ["rsi"]}' \
		"spec: unknown key 'indicator' (expected name, description, indicators, derived, fuzzy_sets, labels, model)"
	check_error '{"derived": [{"kind": "rolling", "stat": "var"}]}' \
		"derived[0]: unknown stat 'var' (mean, std, zscore, min, max, rank)"
	check_error '{"derived": [{"kind": "lag", "k": [1, 0]}]}' \
		"derived[0].k[1]: k must be an integer in [1, 100000]"
	check_error '{"derived": [{"kind": "rolling", "stat": "std", "window": 1}]}' \
		"derived[0].window: window must be an integer in [2, 100000]"
	check_error '{"derived": [{"kind": "lag", "column": "label_up"}]}' \
		"derived[0]: features may not be computed from the label column 'label_up' (it looks ahead)"
	check_error '{"fuzzy_sets": [{"column": "x", "sets": "a=tri(1,0,2)"}]}' \
		"fuzzy_sets[0].sets: set 'a': tri(a,b,c) needs a <= b <= c and a < c"
	check_error '{"fuzzy_sets": [{"column": "x", "sets": [{"name": "a", "shape": "tri", "params": [1, 2]}]}]}' \
		"fuzzy_sets[0].sets[0]: tri takes 3 numbers in 'params'"
	check_error '{"labels": [{"kind": "up", "horizon": 0}]}' \
		"labels[0].horizon: expected an integer in [1, 100000]"
	check_error '{"labels": [{"kind": "tb", "vol": "garch"}]}' \
		'labels[0]: vol must be "atr" or "std"'
	check_error '{"labels": [{"kind": "up", "name": "up"}]}' \
		"labels[0]: label name 'up' must start with 'label_' and be made of letters, digits and '_'"
}

@test "spec: overlapping column names are refused" {
	check_error '{"indicators": ["rsi:14", {"name": "rsi"}]}' \
		"indicators[1]: column 'rsi_14' is also produced by indicators[0]"
	check_error '{"indicators": ["sma:5"], "derived": [{"kind": "lag", "k": 1}, {"kind": "lag", "column": "close", "k": [2, 1]}]}' \
		"derived[1].k[1]: column 'close_lag_1' is also produced by derived[0]"
	check_error '{"labels": [{"kind": "ret", "horizon": 2}, {"kind": "ret", "horizon": 2}]}' \
		"labels[1]: column 'label_ret_2' is also produced by labels[0]"
	check_error '{"labels": [{"kind": "up"}, {"kind": "ret", "name": "label_up_end"}]}' \
		"labels[1]: column 'label_up_end' is also produced by labels[0]"
}

@test "spec: the model section is checked and passed through" {
	check_error '{"indicators": ["rsi"], "labels": [{"kind": "up"}], "model": {"kind": "gbdt", "label": "label_dn"}}' \
		"model.label: 'label_dn' is not a label this spec produces"
	check_error '{"indicators": ["rsi"], "labels": [{"kind": "up"}], "model": {"label": "label_up", "features": ["rsi_14", "label_up"]}}' \
		"model.features[1]: 'label_up' is a label; labels are never features"
	check_error '{"indicators": ["rsi"], "model": {"features": ["rsi_14", "rsi_7"]}}' \
		"model.features[1]: 'rsi_7' is not a column this spec produces"
	check_error '{"model": [1]}' "model: must be an object"
	spec '{"indicators": ["rsi"], "labels": [{"kind": "up"}],
	  "model": {"kind": "gbdt", "label": "label_up", "params": {"depth": 3},
	            "features": ["rsi_14", "close"]}}'
	run -0 bp-features --spec s.json --plain "$(FF tiny.ndjson)"
}

@test "spec: a CLI-only clash is a usage error" {
	run -2 --separate-stderr bp-features -i sma:5 -i sma:5
	[[ $stderr == "bp-features: -i 'sma:5': column 'sma_5' is also produced by -i 'sma:5'"* ]]
}

@test "spec: --spec-schema prints a JSON Schema whose example works" {
	run -0 bp-features --spec-schema
	jq -e '."$schema" == "https://json-schema.org/draft/2020-12/schema"' <<<"$output"
	jq -e '.properties.indicators.items.oneOf[1].properties.name.enum | index("stochrsi")' <<<"$output"
	jq -e '.properties | keys == ["derived", "description", "fuzzy_sets", "indicators", "labels", "model", "name"]' <<<"$output"
	jq '.examples[0]' <<<"$output" >example.json
	bp-features --spec example.json --plain "$(FF btc-300.ndjson)" >out
	[ "$(wc -l <out)" -eq 300 ]
	tail -30 out | head -1 | jq -e '.label_up_end != null and .rsi_14_oversold != null'
}

@test "spec: the shipped strategies are valid and run on the sample bars" {
	command -v bp-fetch >/dev/null || skip "bp-fetch is not built here"
	[ -d "$SAMPLE" ] || skip "no sample data"
	local s n
	bp-fetch csv "$SAMPLE/BTCUSDT-1h.csv" --symbol BTCUSDT -o bars.zst
	for s in "$ROOT"/strategies/*.json; do
		run -0 --separate-stderr bp-features --spec "$s" --drop-warmup \
			-o out.zst bars.zst
		[ -z "$stderr" ] || { echo "$s: $stderr"; false; }
		n=$(unz out.zst | wc -l)
		[ "$n" -gt 8000 ] || { echo "$s: $n rows"; false; }
		# the model's features are all present and non-null after warm-up
		unz out.zst | tail -100 | head -1 >row
		jq -e --slurpfile m <(jq .model.features "$s") \
			'. as $r | $m[0] | all(. as $f | $r[$f] != null)' row
	done
	[ -f "$ROOT/strategies/mean_reversion_rsi_bb.json" ]
	[ -f "$ROOT/strategies/trend_sma_adx.json" ]
	[ -f "$ROOT/strategies/momentum_macd_volume.json" ]
	[ -f "$ROOT/strategies/rsi_gbdt.json" ]
}
