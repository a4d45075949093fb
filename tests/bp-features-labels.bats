#!/usr/bin/env bats
# bp-features: labels (hand-computed cases, the _end contract, ordering)
# and fuzzy memberships.
load helper

setup() { bp_setup; }

FF() { echo "$FIX/features/$1"; }

# tiny.ndjson: 8 hourly bars of symbol X, closes 100 101 99 102 102 98 105
# 110, high = close + 1 and low = close - 1 except the last bar (120, 90).
# Its true ranges are 2 3 4 2 5 8 30 (bars 1..7), so ATR(2) at bars 2..6 is
# 2.5 3.25 2.625 3.8125 5.90625.

col() {	# col FIELD: the field of every row, one per line
	jq -r --arg f "$1" '.[$f] | if . == null then "null" else tostring end' out
}

@test "labels: forward return over h bars, by hand, with its end" {
	bp-features --label ret:2 --plain "$(FF tiny.ndjson)" >out
	# c[t+2]/c[t] - 1, in doubles as jq computes them
	[ "$(col label_ret_2 | paste -sd' ')" = "$(jq -rn '[99/100-1, 102/101-1,
		102/99-1, 98/102-1, 105/102-1, 110/98-1] | map(tostring) |
		join(" ")') null null" ]
	[ "$(col label_ret_2_end | paste -sd' ')" = \
		"2024-01-01T02:00:00Z 2024-01-01T03:00:00Z 2024-01-01T04:00:00Z 2024-01-01T05:00:00Z 2024-01-01T06:00:00Z 2024-01-01T07:00:00Z null null" ]
}

@test "labels: log return and direction with a dead zone, by hand" {
	bp-features --label logret:1 --label up:1,0.015 --plain \
		"$(FF tiny.ndjson)" >out
	[ "$(col label_logret_1 | head -1)" = "$(jq -rn '101/100 | log | tostring')" ]
	# 1-bar returns: +1%, -1.98%, +3.03%, 0, -3.92%, +7.14%, +4.76%
	[ "$(col label_up | paste -sd' ')" = "null 0 1 null 0 1 1 null" ]
	# the end is null where the label is null
	[ "$(col label_up_end | paste -sd' ')" = \
		"null 2024-01-01T02:00:00Z 2024-01-01T03:00:00Z null 2024-01-01T05:00:00Z 2024-01-01T06:00:00Z 2024-01-01T07:00:00Z null" ]
	bp-features --label up --plain "$(FF tiny.ndjson)" >out
	# no dead zone: only the unchanged bar (and the last) is null
	[ "$(col label_up | paste -sd' ')" = "1 0 1 null 0 1 1 null" ]
}

@test "labels: triple barrier with ATR widths, by hand" {
	bp-features --label tb:3,1,1,atr,2 --plain "$(FF tiny.ndjson)" >out
	# bar 2: close 99, ATR 2.5: barriers 101.5 / 96.5; bar 3's high 103
	#   takes profit: +1 after 1 bar
	# bar 3: 102 +- 3.25 = 105.25 / 98.75; bar 4 touches nothing, bar 5's
	#   low 97 stops out: -1 after 2 bars
	# bar 4: 102 +- 2.625: bar 5's low 97 < 99.375: -1 after 1 bar
	# bar 5: 98 +- 3.8125: bar 6's high 106 > 101.8125: +1 after 1 bar
	# bar 6: 105 +- 5.90625: bar 7 (120 / 90) touches both: -1
	# bars 0, 1: no ATR yet; bar 7: no future
	[ "$(col label_tb | paste -sd' ')" = "null null 1 -1 -1 1 -1 null" ]
	[ "$(col label_tb_bars | paste -sd' ')" = "null null 1 2 1 1 1 null" ]
	[ "$(col label_tb_end | paste -sd' ')" = \
		"null null 2024-01-01T03:00:00Z 2024-01-01T05:00:00Z 2024-01-01T05:00:00Z 2024-01-01T06:00:00Z 2024-01-01T07:00:00Z null" ]
	[ "$(col label_tb_bars_end | paste -sd' ')" = "$(col label_tb_end | paste -sd' ')" ]
}

@test "labels: triple barrier time barrier and close touches" {
	# barriers 10 ATR away: nothing is hit, 0 at the time barrier (3 bars)
	bp-features --label tb:3,10,10,atr,2 --plain "$(FF tiny.ndjson)" >out
	[ "$(col label_tb | paste -sd' ')" = "null null 0 0 0 null null null" ]
	[ "$(col label_tb_bars | paste -sd' ')" = "null null 3 3 3 null null null" ]
	[ "$(col label_tb_end | sed -n 3p)" = 2024-01-01T05:00:00Z ]
	# touch on closes: bar 6 needs close >= 110.90625 or <= 99.09375;
	# bar 7 closes at 110: not touched, and the input ends: null
	bp-features --label tb:3,1,1,atr,2,close --plain "$(FF tiny.ndjson)" >out
	[ "$(col label_tb | paste -sd' ')" = "null null 1 -1 -1 1 null null" ]
}

@test "labels: triple barrier with rolling-volatility widths" {
	bp-features --label tb:3,1,1,std,3 --plain "$(FF tiny.ndjson)" >out
	# width at bar 3: sample std of the returns of bars 1..3 times 102
	local w up
	w=$(jq -rn '[101/100-1, 99/101-1, 102/99-1] as $r | ($r | add / 3) as $m
		| ([$r[] | (. - $m) * (. - $m)] | add / 2 | sqrt) * 102')
	up=$(jq -rn "102 + $w")
	# bar 4 (high 103) reaches the upper barrier only if it is below 103
	if jq -en "$up <= 103" >/dev/null; then
		[ "$(col label_tb | sed -n 4p)" = 1 ]
	else
		[ "$(col label_tb | sed -n 4p)" != 1 ]
	fi
	[ "$(col label_tb | head -3 | paste -sd' ')" = "null null null" ]
}

@test "labels: custom names, and _end columns for each label column" {
	bp-features --label label_next=up:1 --label label_b=tb:2 --plain \
		"$(FF tiny.ndjson)" | head -1 >out
	[ "$(jq -r 'keys_unsorted | map(select(startswith("label"))) | join(" ")' out)" = \
		"label_next label_next_end label_b label_b_end label_b_bars label_b_bars_end" ]
	run -2 --separate-stderr bp-features --label next=up:1
	[[ $stderr == *"label name 'next' must start with 'label_'"* ]]
	run -2 --separate-stderr bp-features --label up:0
	[[ $stderr == *"'0' is not a whole number of bars"* ]]
	run -2 --separate-stderr bp-features --label tb:5,0
	[[ $stderr == *"tp and sl must be numbers > 0"* ]]
	run -2 --separate-stderr bp-features --label tb:5,1,1,garch
	[[ $stderr == *"'garch' is not atr or std"* ]]
	run -2 --separate-stderr bp-features --label up --label up:3
	[[ $stderr == *"column 'label_up' is also produced by --label 'up'"* ]]
}

@test "labels: the last h rows of each symbol are null" {
	bp-features --label ret:5 --plain "$(FF btc-300.ndjson)" >out
	[ "$(tail -5 out | jq -r .label_ret_5 | sort -u)" = null ]
	[ "$(sed -n 295p out | jq -r '.label_ret_5 | type')" = number ]
	# label_X_end is h bars ahead: ts + 5 hours
	[ "$(sed -n 10p out | jq -r '(.label_ret_5_end | fromdate) - (.ts | fromdate)')" = 18000 ]
}

@test "labels: rows wait for their labels but keep the input order" {
	cat "$(FF btc-300.ndjson)" "$(FF eth-300.ndjson)" |
		jq -sc 'sort_by(.ts)[]' >mixed.ndjson
	bp-features -i rsi --label ret:3 --label tb:6 --plain mixed.ndjson >out
	diff <(jq -r '"\(.ts) \(.symbol)"' mixed.ndjson) \
		<(jq -r '"\(.ts) \(.symbol)"' out)
	# per symbol, the labels are those of the single-symbol stream
	bp-features -i rsi --label ret:3 --label tb:6 --plain "$(FF eth-300.ndjson)" >eth
	grep '"symbol":"ETHUSDT"' out | diff -u eth -
	# a symbol's label looks only at that symbol's bars
	[ "$(grep ETHUSDT out | tail -3 | jq -r .label_ret_3 | sort -u)" = null ]
}

@test "labels: a symbol that stops for long hits --max-queue" {
	{ head -1 "$(FF eth-300.ndjson)"; head -50 "$(FF btc-300.ndjson)"; } >in.ndjson
	run -1 --separate-stderr bp-features --label ret:2 --max-queue 20 --plain in.ndjson
	[[ $stderr == "bp-features: in.ndjson:21: more than 20 rows wait for their labels"* ]]
	run -0 bp-features --label ret:2 --max-queue 100 --plain in.ndjson
}

@test "labels: --drop-warmup keeps labels and order" {
	bp-features -i sma:5 --label ret:1 --drop-warmup --plain "$(FF tiny.ndjson)" >out
	[ "$(wc -l <out)" -eq 4 ]
	[ "$(col label_ret_1 | paste -sd' ')" = "$(jq -rn '[98/102-1, 105/98-1, 110/105-1] | map(tostring) | join(" ")') null" ]
}

@test "labels: a null close gives null labels for the row and its past" {
	awk 'NR == 4 { sub(/"close":[^,]*/, "\"close\":null") } 1' \
		"$(FF tiny.ndjson)" >holed.ndjson
	bp-features --label ret:1 --plain holed.ndjson >out
	# row 3 (close null) and row 2 (its future close is null) are null
	[ "$(col label_ret_1 | sed -n 3,4p | paste -sd' ')" = "null null" ]
	[ "$(col label_ret_1 | sed -n 5p)" = "$(jq -rn '98/102-1 | tostring')" ]
}

# ---- fuzzy ------------------------------------------------------------------

@test "fuzzy: triangular, trapezoidal and gaussian memberships by hand" {
	printf '{"ts":"2024-01-01T0%d:00:00Z","x":%s}\n' 0 5 1 20 2 27.5 3 50 \
		4 80 5 100 6 null >x.ndjson
	bp-features --fuzzy 'x:lo=tri(0,20,30),mid=trap(25,40,60,75),g=gauss(50,10)' \
		--plain x.ndjson >out
	# tri: 5 -> 0.25, 20 -> 1, 27.5 -> 0.25; trap: 27.5 -> 2.5/15
	[ "$(col x_lo | paste -sd' ')" = "0.25 1 0.25 0 0 0 null" ]
	[ "$(col x_mid | paste -sd' ')" = "0 0 $(jq -rn '2.5/15 | tostring') 1 0 0 null" ]
	[ "$(col x_g | sed -n 4p)" = 1 ]
	[ "$(col x_g | sed -n 5p)" = "$(jq -rn '-0.5 * 9 | exp | tostring')" ]
}

@test "fuzzy: the issue's RSI sets, one column per set in [0, 1]" {
	bp-features -i rsi:14 --fuzzy 'rsi_14:oversold=tri(0,20,30),neutral=tri(25,50,75),overbought=tri(70,80,100)' \
		--plain "$(FF btc-300.ndjson)" >out
	[ "$(jq -r 'keys_unsorted[-3:] | join(" ")' out | head -1)" = \
		"rsi_14_oversold rsi_14_neutral rsi_14_overbought" ]
	jq -e 'select(.rsi_14 != null) | [.rsi_14_oversold, .rsi_14_neutral,
		.rsi_14_overbought] | all(. >= 0 and . <= 1)' out >/dev/null
	[ "$(jq -r 'select(.rsi_14 == null) | .rsi_14_neutral' out | sort -u)" = null ]
}

@test "fuzzy: malformed sets are usage errors" {
	run -2 --separate-stderr bp-features --fuzzy 'x:a=tri(3,2,1)'
	[[ $stderr == *"set 'a': tri(a,b,c) needs a <= b <= c and a < c"* ]]
	run -2 --separate-stderr bp-features --fuzzy 'x:a=trap(1,2,3)'
	[[ $stderr == *"set 'a': trap takes 4 numbers, not 3"* ]]
	run -2 --separate-stderr bp-features --fuzzy 'x:a=gauss(1,0)'
	[[ $stderr == *"needs sigma > 0"* ]]
	run -2 --separate-stderr bp-features --fuzzy 'x:a=bell(1,2)'
	[[ $stderr == *"unknown shape 'bell'"* ]]
	run -2 --separate-stderr bp-features --fuzzy 'x:a=tri(0,1,2),a=tri(1,2,3)'
	[[ $stderr == *"set 'a' is defined twice"* ]]
	run -2 --separate-stderr bp-features --fuzzy 'label_up:a=tri(0,1,2)'
	[[ $stderr == *"may not be computed from the label column 'label_up'"* ]]
}

@test "fuzzy: a warning when the sets leave gaps in the column's range" {
	# RSI's range is 0..100: nothing covers 30..40 and 60..100
	run -0 --separate-stderr bp-features -i rsi \
		--fuzzy 'rsi_14:low=tri(0,20,30),mid=tri(40,50,60)' \
		--plain "$(FF tiny.ndjson)"
	[ "$stderr" = "bp-features: warning: --fuzzy 'rsi_14:low=tri(0,20,30),mid=tri(40,50,60)': the fuzzy sets of 'rsi_14' leave [30, 40], [60, 100] uncovered (every membership is 0 there)" ]
	# sets that touch at single points leave no gap; -q silences warnings
	run -0 --separate-stderr bp-features -i rsi \
		--fuzzy 'rsi_14:low=tri(0,20,30),mid=trap(25,40,60,75),high=tri(70,80,100)' \
		--plain "$(FF tiny.ndjson)"
	[ -z "$stderr" ]
	run -0 --separate-stderr bp-features -q -i rsi \
		--fuzzy 'rsi_14:low=tri(0,20,30)' --plain "$(FF tiny.ndjson)"
	[ -z "$stderr" ]
}
