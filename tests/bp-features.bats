#!/usr/bin/env bats
# bp-features: command line conventions, indicators end to end, symbols,
# missing data, ordering, warm-up.  Labels, fuzzy sets, specs and the
# no-look-ahead property: bp-features-labels.bats, bp-features-spec.bats,
# bp-features-lookahead.bats.  Numerical agreement with TA-Lib:
# tests/unit/test-ta.c.
load helper

setup() { bp_setup; }

FF() { echo "$FIX/features/$1"; }

# ---- command line ---------------------------------------------------------

@test "bp-features: --help on stdout, exit 0" {
	run -0 --separate-stderr bp-features --help
	[[ $output == "usage: bp-features "* ]]
	[[ $output == *"See bp-features(1)."* ]]
	[ -z "$stderr" ]
}

@test "bp-features: --version is one line" {
	run -0 bp-features --version
	[[ $output =~ ^bp-features\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "bp-features: an unknown option is a usage error" {
	run -2 --separate-stderr bp-features --bogus
	[[ $stderr == *"unrecognized option '--bogus'"* ]]
	[[ $stderr == *"Try 'bp-features --help'."* ]]
}

@test "bp-features: bad option values are usage errors naming the option" {
	run -2 --separate-stderr bp-features -i rsi:0 "$(FF btc-300.ndjson)"
	[[ $stderr == "bp-features: -i 'rsi:0': period must be an integer in [2, 100000]"* ]]
	run -2 --separate-stderr bp-features -i rsx:14
	[[ $stderr == "bp-features: -i 'rsx:14': unknown indicator 'rsx' (bp-features --list shows them)"* ]]
	run -2 --separate-stderr bp-features -i macd:30,26,9
	[[ $stderr == "bp-features: -i 'macd:30,26,9': fast must not exceed slow"* ]]
	run -2 --separate-stderr bp-features -i rsi:14,3
	[[ $stderr == "bp-features: -i 'rsi:14,3': rsi takes at most 1 parameter"* ]]
	run -2 --separate-stderr bp-features -i rsi:x
	[[ $stderr == "bp-features: -i 'rsi:x': period: 'x' is not a number"* ]]
	run -2 --separate-stderr bp-features -i atr:14@open
	[[ $stderr == "bp-features: -i 'atr:14@open': atr reads high, low and close; it takes no @column"* ]]
	run -2 --separate-stderr bp-features --roll var:20
	[[ $stderr == "bp-features: --roll 'var:20': unknown statistic 'var'"* ]]
	run -2 --separate-stderr bp-features --reset-gap soon -i rsi
	[[ $stderr == *"--reset-gap"* ]]
	run -2 --separate-stderr bp-features --max-queue 0 -i rsi
	[[ $stderr == *"--max-queue: '0' is not an integer"* ]]
	run -2 --separate-stderr bp-features --prefix label_x -i rsi
	[[ $stderr == *"would make features look like labels"* ]]
}

@test "bp-features: nothing to compute is a usage error" {
	run -2 --separate-stderr bp-features "$(FF btc-300.ndjson)"
	[[ $stderr == *"nothing to compute"* ]]
}

@test "bp-features: a missing input file is exit 1 naming it" {
	run -1 --separate-stderr bp-features -i rsi nope.ndjson
	[[ $stderr == "bp-features: cannot open 'nope.ndjson'"* ]]
}

@test "bp-features: truncated zstd input is exit 1" {
	zstd -q -c "$(FF btc-300.ndjson)" | head -c 50 >cut.zst
	run -1 --separate-stderr bp-features -i rsi -o out.zst cut.zst
	[[ $stderr == *"cut.zst"* ]]
	[ ! -e out.zst ]
	no_temp_left .
}

@test "bp-features: a full disk is exit 1" {
	run -1 --separate-stderr bash -c \
		"bp-features -i rsi --plain '$(FF btc-300.ndjson)' >/dev/full"
	[[ $stderr == *"<stdout>"* ]]
}

@test "bp-features: a failed -o leaves nothing behind" {
	printf '{"ts":"2024-01-01T00:00:00Z","close":1}\n{"ts":"x","close":2}\n' \
		>bad.ndjson
	run -1 --separate-stderr bp-features -i rsi -o out.zst bad.ndjson
	[ "$stderr" = "bp-features: bad.ndjson:2: 'ts' is not a timestamp" ]
	[ ! -e out.zst ]
	no_temp_left .
}

# ---- happy path -----------------------------------------------------------

@test "bp-features: golden output for a mix of indicators and features" {
	head -120 "$(FF btc-300.ndjson)" >in.ndjson
	run -0 bp-features -i rsi:14 -i macd -i bbands:20,2 -i atr:14 \
		-i stoch -i obv --ret 1 --roll std:20 --calendar \
		-o out.zst in.ndjson
	check_golden bp-features btc-mix out.zst
	# the numbers read by the portable parser alone: the same bytes
	BARPIPE_AVX512=0 bp-features -i rsi:14 -i macd -i bbands:20,2 \
		-i atr:14 -i stoch -i obv --ret 1 --roll std:20 --calendar \
		-o out0.zst in.ndjson
	cmp out.zst out0.zst
}

@test "bp-features: the same input gives byte-identical output" {
	bp-features -i rsi -i kama --label tb:5 -o a.zst "$(FF btc-300.ndjson)"
	bp-features -i rsi -i kama --label tb:5 -o b.zst "$(FF btc-300.ndjson)"
	cmp a.zst b.zst
}

@test "bp-features: zstd by default, plain to a terminal or with --plain" {
	bp-features -i rsi "$(FF btc-300.ndjson)" >out.zst
	[ "$(head -c4 out.zst | od -An -tx1 | tr -d ' ')" = 28b52ffd ]
	bp-features -i rsi --plain "$(FF btc-300.ndjson)" >out.ndjson
	[ "$(head -c1 out.ndjson)" = "{" ]
	[ "$(wc -l <out.ndjson)" -eq 300 ]
}

@test "bp-features: input fields pass through untouched, columns appended" {
	printf '{"ts":"2024-01-01T00:00:00Z","close":1.50,"note":"a\\u00e9"}\n' |
		bp-features -i sma:2 --ret 1 --plain >out
	[ "$(cat out)" = '{"ts":"2024-01-01T00:00:00Z","close":1.50,"note":"a\u00e9","sma_2":null,"ret_1":null}' ]
}

@test "bp-features: column names follow the documented pattern" {
	run -0 bash -c "head -1 '$(FF btc-300.ndjson)' | bp-features --plain \
		-i rsi -i macd -i bbands:20,2.5 -i stoch -i sma:50@volume \
		-i trange -i vwap_session -i keltner --lag close:1 \
		--roll zscore:5:volume --volz 10 --bar --prefix f_ |
		jq -r 'keys_unsorted[7:] | join(\" \")'"
	[ "$output" = "f_rsi_14 f_macd_12_26_9 f_macd_signal_12_26_9 f_macd_hist_12_26_9 f_bbands_upper_20_2.5 f_bbands_middle_20_2.5 f_bbands_lower_20_2.5 f_bbands_pctb_20_2.5 f_bbands_width_20_2.5 f_stoch_k_5_3_3 f_stoch_d_5_3_3 f_sma_50_volume f_trange f_vwap_session f_keltner_upper_20_2 f_keltner_middle_20_2 f_keltner_lower_20_2 f_close_lag_1 f_volume_zscore_5 f_volume_zscore_10 f_bar_range f_bar_body f_bar_upper_wick f_bar_lower_wick" ]
}

@test "bp-features: each indicator's first value is at its lookback" {
	local name lb col first
	while read -r name lb col; do
		first=$(bp-features -i "$name" --plain "$(FF btc-300.ndjson)" |
			jq -s --arg c "$col" 'map(.[$c] != null) | index(true)')
		[ "$first" = "$lb" ] ||
			{ echo "$name: first value at $first, lookback $lb"; false; }
	done < <(bp-features --list |
		jq -r '"\(.name) \(.lookback) \(.columns | split(",")[0])"')
}

@test "bp-features: --list has every indicator with its columns and lookback" {
	run -0 bp-features --list
	[ "$(wc -l <<<"$output")" -eq 29 ]
	[ "$(jq -r 'select(.name == "macd") | "\(.lookback) \(.columns)"' <<<"$output")" = \
		"33 macd_12_26_9,macd_signal_12_26_9,macd_hist_12_26_9" ]
	[ "$(jq -r 'select(.name == "rsi") | "\(.params) \(.talib)"' <<<"$output")" = \
		"period=14 RSI" ]
	[ "$(jq -r 'select(.name == "adx") | .lookback' <<<"$output")" = 27 ]
	[ "$(jq -r 'select(.name == "stochrsi") | .lookback' <<<"$output")" = 20 ]
	[ "$(jq -r 'select(.talib == null) | .name' <<<"$output" | paste -sd' ')" = \
		"vwap vwap_session donchian keltner" ]
}

# ---- symbols, order, missing data -----------------------------------------

@test "bp-features: interleaved symbols keep separate state" {
	cat "$(FF btc-300.ndjson)" "$(FF eth-300.ndjson)" |
		jq -sc 'sort_by(.ts)[]' >mixed.ndjson
	[ "$(head -2 mixed.ndjson | jq -r .symbol | paste -sd' ')" = "BTCUSDT ETHUSDT" ]
	local opts="-i rsi -i macd -i adx -i stochrsi --roll rank:10 --plain"
	bp-features $opts mixed.ndjson >mixed.out
	bp-features $opts "$(FF btc-300.ndjson)" >btc.out
	bp-features $opts "$(FF eth-300.ndjson)" >eth.out
	grep '"symbol":"BTCUSDT"' mixed.out | diff -u btc.out -
	grep '"symbol":"ETHUSDT"' mixed.out | diff -u eth.out -
	[ "$(wc -l <mixed.out)" -eq 600 ]
}

@test "bp-features: an earlier or repeated ts within a symbol is an error naming the row" {
	head -3 "$(FF btc-300.ndjson)" >in.ndjson
	sed -n 2p "$(FF btc-300.ndjson)" >>in.ndjson
	run -1 --separate-stderr bp-features -i rsi --plain in.ndjson
	[ "$stderr" = "bp-features: in.ndjson:4: ts '2018-02-04T05:00:00Z' is before the previous bar of symbol 'BTCUSDT' (2018-02-04T06:00:00Z): the input must be in time order" ]
	head -3 "$(FF btc-300.ndjson)" >in.ndjson
	sed -n 3p "$(FF btc-300.ndjson)" >>in.ndjson
	run -1 --separate-stderr bp-features -i rsi --plain in.ndjson
	[ "$stderr" = "bp-features: in.ndjson:4: ts '2018-02-04T06:00:00Z' repeats the previous bar of symbol 'BTCUSDT'" ]
	# the same ts in two symbols is fine
	head -3 "$(FF eth-300.ndjson)" >>in.ndjson
	run -1 bp-features -i rsi --plain in.ndjson
}

@test "bp-features: bad values are errors naming input, line and field" {
	printf '{"ts":"2024-01-01T00:00:00Z","close":"1"}\n' >s.ndjson
	run -1 --separate-stderr bp-features -i rsi s.ndjson
	[ "$stderr" = "bp-features: s.ndjson:1: 'close' is not a number" ]
	printf '{"ts":"2024-01-01T00:00:00Z","close":1}\n' >v.ndjson
	run -1 --separate-stderr bp-features -i obv v.ndjson
	[ "$stderr" = "bp-features: v.ndjson:1: 'volume' is missing" ]
	printf '{"close":1}\n' >t.ndjson
	run -1 --separate-stderr bp-features -i rsi t.ndjson
	[ "$stderr" = "bp-features: t.ndjson:1: 'ts' is missing" ]
	printf '{"ts":"2024-01-01T00:00:00Z","symbol":3,"close":1}\n' >y.ndjson
	run -1 --separate-stderr bp-features -i rsi <y.ndjson
	[ "$stderr" = "bp-features: <stdin>:1: 'symbol' is not a string" ]
}

@test "bp-features: a null close gives null and is skipped, not propagated" {
	# bar 150 with close null: its features are null, and every later
	# value equals the one computed without that row
	awk 'NR == 150 { sub(/"close":[^,]*/, "\"close\":null") } 1' \
		"$(FF btc-300.ndjson)" >holed.ndjson
	awk 'NR != 150' "$(FF btc-300.ndjson)" >without.ndjson
	local opts="-i rsi -i ema:10 -i macd -i kama --ret 1 --lag close:2 --roll mean:5 --plain"
	bp-features $opts holed.ndjson >holed.out
	bp-features $opts without.ndjson >without.out
	[ "$(sed -n 150p holed.out | jq -c '[.rsi_14, .ema_10, .macd_12_26_9, .kama_30, .ret_1, .close_lag_2, .close_mean_5]')" = \
		"[null,null,null,null,null,null,null]" ]
	awk 'NR != 150' holed.out | jq -c 'del(.close)' >a
	jq -c 'del(.close)' without.out >b
	diff -u b a
}

@test "bp-features: a null high makes only the indicators that need it null" {
	awk 'NR == 100 { sub(/"high":[^,]*/, "\"high\":null") } 1' \
		"$(FF btc-300.ndjson)" >holed.ndjson
	bp-features -i rsi -i atr --plain holed.ndjson | sed -n 100p >row
	[ "$(jq -c '[(.rsi_14 | type), .atr_14]' row)" = '["number",null]' ]
}

@test "bp-features: --reset-gap restarts a symbol's warm-up after a gap" {
	head -50 "$(FF btc-300.ndjson)" >in.ndjson
	# shift the last 20 bars 3 days later: a gap
	head -30 in.ndjson >gap.ndjson
	tail -20 in.ndjson | jq -c '.ts |= (fromdate + 259200 | todate)' >>gap.ndjson
	bp-features -i sma:5 --plain gap.ndjson | sed -n 31p | jq -e '.sma_5 != null'
	bp-features -i sma:5 --reset-gap 2h --plain gap.ndjson >out
	[ "$(sed -n 31,34p out | jq -c .sma_5 | paste -sd,)" = "null,null,null,null" ]
	sed -n 35p out | jq -e '.sma_5 != null'
}

@test "bp-features: --drop-warmup starts at the first complete row of each symbol" {
	run -0 bash -c "bp-features -i rsi:14 -i sma:20 --plain --drop-warmup \
		'$(FF btc-300.ndjson)' | wc -l"
	[ "$output" -eq 281 ]
	bp-features -i macd --plain --drop-warmup "$(FF btc-300.ndjson)" |
		head -1 | jq -e '.macd_12_26_9 != null and .ts == "2018-02-05T13:00:00Z"'
}

@test "bp-features: -v reports progress rows on stderr" {
	run -0 --separate-stderr bp-features -v -i rsi --plain "$(FF btc-300.ndjson)"
	[[ $stderr == *"300 rows"* ]]
}

@test "bp-features: reads several files and stdin as one stream" {
	head -100 "$(FF btc-300.ndjson)" >a.ndjson
	tail -200 "$(FF btc-300.ndjson)" >b.ndjson
	bp-features -i rsi --plain a.ndjson b.ndjson >two
	bp-features -i rsi --plain <"$(FF btc-300.ndjson)" >one
	cmp one two
}

# ---- man page -------------------------------------------------------------

# man_blocks SECTION: the commands in .Bd blocks of the page's section, one
# per line ("$ " removed, continuations joined, \e turned into \).
man_blocks() {
	awk -v sec="$1" '
		/^\.Sh / { on = ($0 == ".Sh " sec); next }
		!on { next }
		/^\.Bd/ { inbd = 1; next }
		/^\.Ed/ { inbd = 0; next }
		inbd && /^\$ / { cmd = substr($0, 3); cont = (cmd ~ /\\e$/)
			if (!cont) print cmd; else sub(/\\e$/, "", cmd); next }
		inbd && cont { line = $0; sub(/^ +/, " ", line)
			cont = (line ~ /\\e$/); sub(/\\e$/, "", line)
			cmd = cmd line; if (!cont) print cmd }
	' "$ROOT/man/man1/bp-features.1" | sed 's/\\e/\\/g; s/  */ /g'
}

@test "bp-features: the man page's EXAMPLES run as written" {
	command -v bp-fetch >/dev/null || skip "bp-fetch is not built here"
	[ -d "$SAMPLE" ] || skip "no sample data"
	local cmd n=0
	cd "$ROOT"
	while IFS= read -r cmd; do
		run -0 bash -o pipefail -c "$cmd"
		[ -n "$output" ] || { echo "no output: $cmd"; false; }
		n=$((n + 1))
	done < <(man_blocks EXAMPLES)
	[ "$n" -ge 6 ]
}

@test "bp-features: the man page documents every indicator" {
	local name
	for name in $(bp-features --list | jq -r .name); do
		grep -q "^\.It Cm $name\b" "$ROOT/man/man1/bp-features.1" ||
			{ echo "undocumented: $name"; false; }
	done
}

@test "bp-features: an input column with a computed name is replaced, with a warning" {
	bp-features -i rsi --label ret:1 --plain "$(FF btc-300.ndjson)" >once
	run -0 --separate-stderr bp-features -i rsi --label ret:1 --plain once
	[ "$stderr" = "bp-features: warning: the input column 'rsi_14' is replaced by the computed one
bp-features: warning: the input column 'label_ret_1' is replaced by the computed one
bp-features: warning: the input column 'label_ret_1_end' is replaced by the computed one" ]
	diff -u once <(printf '%s\n' "$output")
}

# ---- the compressed stream ------------------------------------------------

@test "bp-features: zstd output of many blocks is what zstd(1) reads back as the --plain text" {
	# the sample's 8,761 bars: 4 MB of rows, 30 zstd blocks matched
	# field by field (lib/zrows), read back by the zstd tool itself
	bp-fetch csv --symbol BTCUSDT -o bars.zst "$SAMPLE/BTCUSDT-1h.csv"
	run -0 bp-features -i macd:12,26,9 -i bbands:20,2 -i stoch:5,3,3 \
		-i rsi:14 --logret 1 -o feat.zst bars.zst
	run -0 bp-features -i macd:12,26,9 -i bbands:20,2 -i stoch:5,3,3 \
		-i rsi:14 --logret 1 --plain -o feat.ndjson bars.zst
	[ "$(wc -c <feat.ndjson)" -gt 3000000 ]
	zstd -tq feat.zst
	cmp <(zstd -dcq feat.zst) feat.ndjson
	# and smaller than zstd's own level 1 makes it
	[ "$(wc -c <feat.zst)" -lt "$(zstd -1 -qc feat.ndjson | wc -c)" ]
}
