#!/usr/bin/env bats
# bp-backtest: the command line, the hand-computed bar sets, the streams,
# look-ahead, determinism and bad input.
load helper

setup() { bp_setup; }

BT=$BATS_TEST_DIRNAME/fixtures/backtest

# hand CASE: run the case's arguments on its bars and compare the summary
# and the trades with tests/fixtures/backtest/expect/CASE.json, written by
# tests/unit/ref/backtest_ref.py from the hand arithmetic in its comments
hand() {
	local args
	args=$(jq -r '.args | join(" ")' "$BT/expect/$1.json")
	# shellcheck disable=SC2086
	run -0 --separate-stderr bp-backtest $args --trades trades.ndjson \
		--plain "$BT/$1.ndjson"
	printf '%s\n' "$output" >summary.json
	jq -s '[.[0].summary, .[1]]' "$BT/expect/$1.json" summary.json |
		jq -r -f "$BT/compare.jq" >diff.txt
	jq -s '[.[0].trades, .[1:]]' "$BT/expect/$1.json" trades.ndjson |
		jq -r -f "$BT/compare.jq" >>diff.txt
	cat diff.txt
	[ ! -s diff.txt ]
}

@test "bp-backtest: --help on stdout, exit 0" {
	run -0 --separate-stderr bp-backtest --help
	[[ $output == usage:\ bp-backtest* ]]
	[[ $output == *"bp-backtest(1)"* ]]
	[ -z "$stderr" ]
}

@test "bp-backtest: --version is one line" {
	run -0 bp-backtest --version
	[[ $output =~ ^bp-backtest\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "bp-backtest: unknown option and bad values exit 2" {
	run -2 --separate-stderr bp-backtest --bogus
	[[ $stderr == *"Try 'bp-backtest --help'"* ]]
	run -2 --separate-stderr bp-backtest --fill tomorrow
	[[ $stderr == *"--fill: 'tomorrow' is not one of next-open"* ]]
	run -2 --separate-stderr bp-backtest --sl 2
	[[ $stderr == *"--sl: '2' is not a level such as 2% or 2atr"* ]]
	run -2 --separate-stderr bp-backtest --sl 100%
	[[ $stderr == *"--sl: '100%' must be below 100%"* ]]
	run -2 --separate-stderr bp-backtest --size half
	[[ $stderr == *"--size: 'half' is not all-in"* ]]
	run -2 --separate-stderr bp-backtest --fee-bps -1
	[[ $stderr == *"--fee-bps: '-1' is not a number"* ]]
	run -2 --separate-stderr bp-backtest --capital 0
	[[ $stderr == *"--capital"* ]]
	run -2 --separate-stderr bp-backtest --sma-cross 50,20
	[[ $stderr == *"fast (50) must be shorter than slow (20)"* ]]
	run -2 --separate-stderr bp-backtest --signal a --weight b
	[[ $stderr == *"exclude each other"* ]]
	run -2 --separate-stderr bp-backtest --equity - --trades -
	[[ $stderr == *"only one output can go to stdout"* ]]
}

@test "bp-backtest: a missing input file exits 1 naming it" {
	run -1 --separate-stderr bp-backtest no-such-bars.ndjson
	[[ $stderr == *"cannot open 'no-such-bars.ndjson'"* ]]
}

@test "bp-backtest: truncated zstd input exits 1" {
	zstd -q -c "$BT/lookahead.ndjson" | head -c 50 >cut.zst
	run -1 --separate-stderr bp-backtest cut.zst
	[[ $stderr == *"truncated"* ]]
}

@test "bp-backtest: writing to a full disk exits 1" {
	run -1 --separate-stderr bash -c \
		"bp-backtest '$BT/long.ndjson' >/dev/full"
	[[ $stderr == *"<stdout>"* ]]
	run -1 --separate-stderr bash -c \
		"bp-backtest --annotate '$BT/long.ndjson' --plain >/dev/full"
}

@test "bp-backtest: a failed run leaves no output and no temporary" {
	printf '%s\n' '{"ts":"2024-01-06T00:00:00Z","symbol":"A","open":1,"high":1,"low":1,"close":1,"signal":1}' \
		'{"ts":"2024-01-06T01:00:00Z","symbol":"A","open":1,"high":1,"low":1,"close":"x","signal":1}' >bad.ndjson
	run -1 --separate-stderr bp-backtest -o summary.json \
		--equity equity.zst --trades trades.zst bad.ndjson
	[[ $stderr == *"bad.ndjson:2: 'close' is not a number"* ]]
	[ ! -e summary.json ] && [ ! -e equity.zst ] && [ ! -e trades.zst ]
	no_temp_left .
}

@test "bp-backtest: bad rows name the input, the line and the field" {
	local t='"ts":"2024-01-06T00:00:00Z","symbol":"A"'
	echo "{$t,\"open\":1,\"high\":1,\"low\":1,\"close\":1}" >nosig.ndjson
	run -1 --separate-stderr bp-backtest nosig.ndjson
	[[ $stderr == *"nosig.ndjson:1: no 'signal' column (name one with --signal or --weight)"* ]]
	echo "{$t,\"open\":1,\"high\":1,\"low\":1,\"close\":1,\"signal\":2}" >sig2.ndjson
	run -1 --separate-stderr bp-backtest sig2.ndjson
	[[ $stderr == *"sig2.ndjson:1: 'signal' is not -1, 0 or 1"* ]]
	echo "{$t,\"open\":1,\"high\":1,\"low\":2,\"close\":1,\"signal\":1}" >hl.ndjson
	run -1 --separate-stderr bp-backtest hl.ndjson
	[[ $stderr == *"hl.ndjson:1: 'high' is below 'low'"* ]]
	echo "{$t,\"open\":1,\"high\":1,\"low\":1,\"signal\":1}" >noclose.ndjson
	run -1 --separate-stderr bp-backtest noclose.ndjson
	[[ $stderr == *"noclose.ndjson:1: 'close' is missing"* ]]
	echo "{$t,\"open\":0,\"high\":1,\"low\":1,\"close\":1,\"signal\":1}" >zero.ndjson
	run -1 --separate-stderr bp-backtest zero.ndjson
	[[ $stderr == *"zero.ndjson:1: 'open' is not a positive price"* ]]
	echo '{"ts":"yesterday","symbol":"A","open":1,"high":1,"low":1,"close":1,"signal":1}' >ts.ndjson
	run -1 --separate-stderr bp-backtest ts.ndjson
	[[ $stderr == *"ts.ndjson:1: 'ts' is not a time"* ]]
	{ sed -n 3p "$BT/long.ndjson"; sed -n 1p "$BT/long.ndjson"; } >back.ndjson
	run -1 --separate-stderr bp-backtest back.ndjson
	[[ $stderr == *"back.ndjson:2: 'ts' goes back in time"* ]]
	sed -n '1p;1p' "$BT/long.ndjson" >dup.ndjson
	run -1 --separate-stderr bp-backtest dup.ndjson
	[[ $stderr == *"dup.ndjson:2: a second bar of 'AAA' at the same ts"* ]]
}

@test "bp-backtest: one long trade, by hand" { hand long; }
@test "bp-backtest: one short trade with borrow, by hand" { hand short; }
@test "bp-backtest: a stop inside a bar and the re-entry rule, by hand" {
	hand stop
}
@test "bp-backtest: a gap through the stop fills at the open, by hand" {
	hand gap
}
@test "bp-backtest: stop and target in one bar: the stop, by hand" {
	hand both
}
@test "bp-backtest: fees, fixed fee and slippage, by hand" { hand costs; }
@test "bp-backtest: slippage from the bar's range, by hand" { hand range; }
@test "bp-backtest: a portfolio of two symbols, by hand" { hand portfolio; }
@test "bp-backtest: fill at the next close, by hand" { hand next_close; }

@test "bp-backtest: a strategy that never trades: nulls, no NaN" {
	hand flat
	run -0 jq -r '[.sharpe, .sortino, .calmar, .win_rate, .profit_factor,
		.avg_win, .avg_loss, .expectancy, .total_r] | map(tostring) |
		join(" ")' summary.json
	[ "$output" = "null null null null null null null null null" ]
	run -0 jq -r '.trades, .max_drawdown, .exposure, .total_return' \
		summary.json
	[ "$output" = "$(printf '0\n0\n0\n0')" ]
	run -0 jq -r '.warnings[]' summary.json
	[[ $output == *"no trades"* ]]
	! grep -qiE 'nan|inf' summary.json
}

@test "bp-backtest: this-close fills by hand, with the look-ahead warning" {
	hand this_close
	run -0 jq -r '.warnings[0], .assumptions.fill' summary.json
	[[ ${lines[0]} == *"fill this-close"*"did not have in time"* ]]
	[ "${lines[1]}" = this-close ]
}

@test "bp-backtest: the summary states the annualisation and assumptions" {
	run -0 --separate-stderr bp-backtest --fee-bps 10 --sl 2% --tp 3atr \
		--size fraction:0.5 "$BT/long.ndjson"
	printf '%s\n' "$output" >s.json
	run -0 jq -r '.bars_per_year, .annualization.timeframe,
		.annualization.rule, .assumptions.fill, .assumptions.fee_bps,
		.assumptions.sl, .assumptions.tp, .assumptions.size,
		.assumptions.signal' s.json
	[ "${lines[0]}" = 8760 ] && [ "${lines[1]}" = 1h ]
	[[ ${lines[2]} == *"24/7"* ]]
	[ "${lines[3]}" = next-open ] && [ "${lines[4]}" = 10 ]
	[ "${lines[5]}" = 2% ] && [ "${lines[6]}" = 3atr ]
	[ "${lines[7]}" = fraction:0.5 ] && [ "${lines[8]}" = signal ]
	run -0 bp-backtest --bars-per-year 252 "$BT/long.ndjson"
	[ "$(jq -r .annualization.rule <<<"$output")" = \
		"given by --bars-per-year" ]
}

@test "bp-backtest: every summary and stream key is documented" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	local text k missing=""
	text=$(mandoc -Tascii "$ROOT/man/man1/bp-backtest.1" | col -b)
	bp-backtest --sl 2% --trades t.ndjson --equity e.ndjson --plain \
		"$BT/portfolio.ndjson" >s.json
	for k in $(jq -r '[keys_unsorted[], (.buy_and_hold | keys_unsorted[]),
		(.annualization | keys_unsorted[]),
		(.per_symbol[] | keys_unsorted[])] | unique[]' s.json) \
		$(head -n 1 t.ndjson | jq -r 'keys[]') \
		$(head -n 1 e.ndjson | jq -r 'keys[]'); do
		grep -qw -- "$k" <<<"$text" || missing+=" $k"
	done
	[ -z "$missing" ] || { echo "undocumented:$missing"; false; }
}

@test "bp-backtest: look-ahead is not executable at its bar and shows" {
	# --annotate: the first bar's signal is filled at the second bar
	run -0 bp-backtest --annotate --plain --signal peek "$BT/lookahead.ndjson"
	[ "$(sed -n 1p <<<"$output" | jq .position)" = 0 ]
	[ "$(sed -n 2p <<<"$output" | jq '.position != 0')" = true ]
	run -0 bp-backtest --annotate --plain --signal peek --fill this-close \
		"$BT/lookahead.ndjson"
	[ "$(sed -n 1p <<<"$output" | jq '.position != 0')" = true ]
	# the same rule, honest vs shifted one bar into the future: the leak
	# shows as a perfect win rate and a fortune against a small loss
	run -0 bp-backtest --signal signal "$BT/lookahead.ndjson"
	local honest=$output
	run -0 bp-backtest --signal peek "$BT/lookahead.ndjson"
	local peek=$output
	[ "$(jq '.win_rate == 1 and .total_return > 1' <<<"$peek")" = true ]
	[ "$(jq '.win_rate < 0.5 and .total_return < 0.1' <<<"$honest")" = true ]
	# bar t's signal never moves equity before bar t + 1: change the
	# signals from bar 100 on and the first 100 equity rows stay the same
	jq -c 'if .ts >= "2024-01-10T04:00:00Z" then .signal = -.signal
		else . end' "$BT/lookahead.ndjson" >flipped.ndjson
	bp-backtest --equity a.ndjson --plain --summary /dev/null \
		"$BT/lookahead.ndjson"
	bp-backtest --equity b.ndjson --plain --summary /dev/null flipped.ndjson
	cmp <(head -n 101 a.ndjson) <(head -n 101 b.ndjson)
	! cmp -s <(head -n 102 a.ndjson) <(head -n 102 b.ndjson)
}

@test "bp-backtest: golden equity and trades streams of the portfolio" {
	run -0 bp-backtest --fee-bps 10 --sl 5% --equity equity.zst \
		--trades trades.zst --summary summary.json "$BT/portfolio.ndjson"
	check_golden bp-backtest portfolio-equity equity.zst
	check_golden bp-backtest portfolio-trades trades.zst
}

@test "bp-backtest: --annotate passes every column through" {
	run -0 bp-backtest --annotate --summary s.json -o rows.zst \
		"$BT/portfolio.ndjson"
	check_golden bp-backtest portfolio-annotate rows.zst
	[ "$(unz rows.zst | wc -l)" -eq 10 ]
	[ "$(jq -r .trades s.json)" = 2 ]
}

@test "bp-backtest: identical inputs give byte-identical outputs" {
	local a=(--fee-bps 10 --slippage-range 0.1 --sl 2atr --trail 3%
		--borrow-bps-year 300)
	bp-backtest "${a[@]}" --equity e1.zst --trades t1.zst -o s1.json \
		"$BT/lookahead.ndjson"
	bp-backtest "${a[@]}" --equity e2.zst --trades t2.zst -o s2.json \
		"$BT/lookahead.ndjson"
	cmp s1.json s2.json && cmp e1.zst e2.zst && cmp t1.zst t2.zst
}

@test "bp-backtest: sizing, weights and allocation options" {
	# fraction:0.5 of 10000 at the open 100 -> 50 units
	run -0 bp-backtest --annotate --plain --size fraction:0.5 \
		"$BT/long.ndjson"
	[ "$(sed -n 2p <<<"$output" | jq .position)" = 50 ]
	# notional:2000 -> 20 units
	run -0 bp-backtest --annotate --plain --size notional:2000 \
		"$BT/long.ndjson"
	[ "$(sed -n 2p <<<"$output" | jq .position)" = 20 ]
	# a weight column: 0.25 of equity -> 25 units
	jq -c '.w = 0.25' "$BT/long.ndjson" >w.ndjson
	run -0 bp-backtest --annotate --plain --weight w w.ndjson
	[ "$(sed -n 2p <<<"$output" | jq .position)" = 25 ]
	# --alloc signal: only AAA wants a position, so it gets everything
	jq -c 'if .symbol == "BBB" then .signal = 0 else . end' \
		"$BT/portfolio.ndjson" >one.ndjson
	run -0 bp-backtest --annotate --plain --alloc signal one.ndjson
	[ "$(sed -n 3p <<<"$output" | jq -c '[.symbol, .position]')" = '["AAA",100]' ]
	run -0 bp-backtest --annotate --plain one.ndjson
	[ "$(sed -n 3p <<<"$output" | jq -c '[.symbol, .position]')" = '["AAA",50]' ]
	# vol-target waits for 20 returns: 5 bars give none, with a warning
	run -0 bp-backtest --size vol-target:0.2 "$BT/long.ndjson"
	[ "$(jq .trades <<<"$output")" = 0 ]
	[[ $(jq -r '.warnings[]' <<<"$output") == *"waited for a volatility estimate"* ]]
	run -2 --separate-stderr bp-backtest --weight w --size all-in w.ndjson
	[[ $stderr == *"--size applies to signals"* ]]
}

@test "bp-backtest: the summary takes stdout only when nothing else does" {
	run -0 --separate-stderr bp-backtest --trades - --plain \
		"$BT/portfolio.ndjson"
	[ "${#lines[@]}" -eq 2 ]
	[ "$(jq -s 'map(has("exit_reason")) | all' <<<"$output")" = true ]
	run -0 --separate-stderr bp-backtest --equity - --plain \
		--summary s.json "$BT/portfolio.ndjson"
	[ "${#lines[@]}" -eq 5 ] && [ -s s.json ]
	run -0 --separate-stderr bp-backtest -o s2.json "$BT/portfolio.ndjson"
	[ -z "$output" ] && cmp s.json s2.json
}

@test "bp-backtest: stdin, zstd and several files read the same" {
	bp-backtest "$BT/long.ndjson" >a.json
	bp-backtest <"$BT/long.ndjson" >b.json
	zstd -q -c "$BT/long.ndjson" | bp-backtest >c.json
	head -n 2 "$BT/long.ndjson" >p1.ndjson
	tail -n +3 "$BT/long.ndjson" >p2.ndjson
	bp-backtest p1.ndjson p2.ndjson >d.json
	cmp a.json b.json && cmp a.json c.json && cmp a.json d.json
}

@test "bp-backtest: --sma-cross computes its signal without look-ahead" {
	# SMA(1) vs SMA(3): close above the mean of the last 3 closes; on the
	# long bars' closes 100 105 110 108 106 the signal is null, null, 1
	# (110 > 105), 1 (108 > 107.67), -1 (106 < 108): long-only buys at
	# bar 3's open 110; the exit decided at bar 4 has no bar left to fill
	# in, so the trade ends open, valued at the last close 106
	run -0 bp-backtest --sma-cross 1,3 --long-only --trades t.ndjson \
		--plain "$BT/long.ndjson"
	run -0 jq -r '[.entry_ts, .entry_price, .exit_ts, .exit_price,
		.exit_reason] | join(" ")' t.ndjson
	[ "$output" = "2024-01-06T03:00:00Z 110 2024-01-06T04:00:00Z 106 end" ]
}

@test "bp-backtest: man page EXAMPLES run as written" {
	# each literal block of EXAMPLES is a script run from a directory
	# that sees the repository's data/ and tests/
	local n=0 block
	ln -s "$ROOT/data" "$ROOT/tests" .
	while IFS= read -r -d '' block; do
		n=$((n + 1))
		echo "+ $block"
		bash -euo pipefail -c "$block" >/dev/null
	done < <(awk '/^\.Sh EXAMPLES/{f=1} /^\.Sh SEE ALSO/{f=0}
		f && /^\.Ed/{printf "%c", 0; b=0}
		f && b{gsub(/\\e/, "\\"); print}
		f && /^\.Bd -literal/{b=1}' "$ROOT/man/man1/bp-backtest.1")
	[ "$n" -ge 3 ]
}

@test "demo stage 50-backtest: SMA fallback, report, path printed last" {
	export DEMO=$BATS_TEST_TMPDIR/demo
	mkdir -p "$DEMO"
	run -0 --separate-stderr bash -c "cd '$ROOT' && bash pipelines/demo.d/50-backtest.sh"
	[[ ${lines[0]} == *"SMA(20)/SMA(50) crossover"* ]]
	[ "${lines[-1]}" = "report: $DEMO/report.html" ]
	[ -s "$DEMO/summary.json" ] && [ -s "$DEMO/equity.zst" ] &&
		[ -s "$DEMO/trades.zst" ] && [ -s "$DEMO/report.html" ]
	[ "$(jq -r .assumptions.signal "$DEMO/summary.json")" = \
		"sma-cross 20,50 of the closes" ]
	grep -q 'id="bp-data"' "$DEMO/report.html"
}

@test "demo stage 50-backtest: prefers the out-of-sample signal" {
	export DEMO=$BATS_TEST_TMPDIR/demo
	mkdir -p "$DEMO"
	zstd -q "$BT/lookahead.ndjson" -o "$DEMO/oos.zst"
	run -0 --separate-stderr bash -c "cd '$ROOT' && bash pipelines/demo.d/50-backtest.sh"
	[[ ${lines[0]} == *"out-of-sample signal"* ]]
	[ "$(jq -r .assumptions.signal "$DEMO/summary.json")" = signal ]
	[ "$(jq -r .bars "$DEMO/summary.json")" = 240 ]
	[ "${lines[-1]}" = "report: $DEMO/report.html" ]
}
