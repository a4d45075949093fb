#!/usr/bin/env bats
# bp-fetch: command line conventions, every CSV format, the sample data.
# Validation: bp-fetch-validate.bats; resample: bp-fetch-resample.bats;
# the cache: bp-fetch-db.bats.
load helper

setup() { bp_setup; }

F=$FIX/fetch

# ---- command line --------------------------------------------------------

@test "bp-fetch: --help on stdout, exit 0, for the tool and every command" {
	run -0 --separate-stderr bp-fetch --help
	[[ $output == "usage: bp-fetch <command>"* ]]
	[[ $output == *"bp-fetch(1)"* ]]
	[ -z "$stderr" ]
	for c in csv validate resample db prune binance coinbase; do
		run -0 --separate-stderr bp-fetch "$c" --help
		[[ $output == "usage: bp-fetch $c "* ]]
		[[ $output == *"See bp-fetch(1)."* ]]
		[ -z "$stderr" ]
	done
}

@test "bp-fetch: --version is one line" {
	run -0 bp-fetch --version
	[ "${#lines[@]}" -eq 1 ]
	[[ $output =~ ^bp-fetch\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	run -0 bp-fetch csv --version
	[[ $output =~ ^bp-fetch\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "bp-fetch: no command or an unknown one is a usage error" {
	run -2 --separate-stderr bp-fetch
	[[ $stderr == *"no command given"* ]]
	[[ $stderr == *"Try 'bp-fetch --help'."* ]]
	[ -z "$output" ]
	run -2 --separate-stderr bp-fetch fetch
	[[ $stderr == *"'fetch' is not a bp-fetch command"* ]]
}

@test "bp-fetch: unknown option and bad option values exit 2" {
	run -2 --separate-stderr bp-fetch csv --bogus "$F/dupes.csv"
	[[ $stderr == *"bogus"* ]]
	run -2 --separate-stderr bp-fetch csv --symbol X --on-bad maybe "$F/dupes.csv"
	[[ $stderr == *"--on-bad: 'maybe' is not one of fail, skip, report"* ]]
	run -2 --separate-stderr bp-fetch csv --symbol X --dupes any "$F/dupes.csv"
	[[ $stderr == *"--dupes: 'any' is not one of error, first, last"* ]]
	run -2 --separate-stderr bp-fetch csv --symbol X --timeframe 1x "$F/dupes.csv"
	[[ $stderr == *"--timeframe: '1x' is not a duration"* ]]
	run -2 --separate-stderr bp-fetch csv --symbol X --tz Mars/Base "$F/dupes.csv"
	[[ $stderr == *"--tz: 'Mars/Base' is not a UTC offset"* ]]
	run -2 --separate-stderr bp-fetch csv --symbol X --format excel "$F/dupes.csv"
	[[ $stderr == *"--format: 'excel' is not one of"* ]]
	run -2 --separate-stderr bp-fetch csv --symbol X --map close "$F/dupes.csv"
	[[ $stderr == *"--map: 'close' is not ROLE=COLUMN"* ]]
	run -2 --separate-stderr bp-fetch csv --symbol X --map price=Close "$F/dupes.csv"
	[[ $stderr == *"--map: 'price' is not one of ts, open"* ]]
	run -2 --separate-stderr bp-fetch csv --symbol '' "$F/dupes.csv"
	[[ $stderr == *"--symbol: empty symbol"* ]]
	run -2 --separate-stderr bp-fetch csv --symbol X --batch 0 "$F/dupes.csv"
	[[ $stderr == *"--batch: '0' is not an integer"* ]]
	# options of another command
	run -2 --separate-stderr bp-fetch csv --symbol X --to 1h "$F/dupes.csv"
	run -2 --separate-stderr bp-fetch db --map ts=a --list
}

@test "bp-fetch csv: --symbol is required" {
	run -2 --separate-stderr bp-fetch csv "$F/dupes.csv"
	[[ $stderr == *"--symbol is required"* ]]
}

@test "bp-fetch csv: a missing file is named, exit 1" {
	run -1 --separate-stderr bp-fetch csv --symbol X --plain nosuch.csv
	[[ $stderr == *"cannot open 'nosuch.csv'"* ]]
	[ -z "$output" ]
}

@test "bp-fetch csv: truncated zstd input is an error" {
	zstd -qc "$F/binance-ms.csv" | head -c 50 >trunc.zst
	run -1 --separate-stderr bp-fetch csv --symbol X --plain trunc.zst
	[[ $stderr == *"trunc.zst"* ]]
	[[ $stderr == *"truncated"* ]]
}

@test "bp-fetch csv: zstd-compressed and plain CSV on stdin read the same" {
	bp-fetch csv --symbol X --plain <"$F/binance-ms.csv" >plain.out
	zstd -qc "$F/binance-ms.csv" | bp-fetch csv --symbol X --plain >zst.out
	[ -s plain.out ]
	cmp plain.out zst.out
}

@test "bp-fetch csv: writing to /dev/full fails with exit 1" {
	run -1 --separate-stderr bash -c \
		"bp-fetch csv --symbol X '$SAMPLE/BTCUSDT-1h.csv' >/dev/full"
	[[ $stderr == *"<stdout>"* ]]
}

@test "bp-fetch csv: a failed -o leaves nothing behind" {
	run -1 --separate-stderr bp-fetch csv --symbol X -o out.zst "$F/bad-number.csv"
	[[ $stderr == *"bad-number.csv:3: 'close' is not a number"* ]]
	[ ! -e out.zst ]
	no_temp_left .
}

@test "bp-fetch csv: two runs give the same bytes" {
	bp-fetch csv --symbol BTCUSDT -o a.zst "$SAMPLE/BTCUSDT-1h.csv"
	bp-fetch csv --symbol BTCUSDT -o b.zst "$SAMPLE/BTCUSDT-1h.csv"
	cmp a.zst b.zst
}

@test "bp-fetch csv: -o writes zstd by default, --plain writes text" {
	run -0 bp-fetch csv --symbol X -o out.zst "$F/binance-ms.csv"
	[ "$(head -c4 out.zst | od -An -tx1 | tr -d ' ')" = 28b52ffd ]
	run -0 bp-fetch csv --symbol X --plain -o out.ndjson "$F/binance-ms.csv"
	[ "$(head -c2 out.ndjson)" = '{"' ]
	cmp <(unz out.zst) out.ndjson
	no_temp_left .
}

# ---- formats --------------------------------------------------------------

@test "bp-fetch csv: Binance klines without header, epoch ms" {
	run -0 bp-fetch csv --symbol BTCUSDT -o out.zst "$F/binance-ms.csv"
	check_golden bp-fetch binance-ms out.zst
}

@test "bp-fetch csv: Binance klines with header, epoch us, -v names the format" {
	run -0 --separate-stderr bp-fetch csv -v --symbol BTCUSDT -o out.zst "$F/binance-us.csv"
	[[ $stderr == *"format binance (detected)"* ]]
	check_golden bp-fetch binance-us out.zst
}

@test "bp-fetch csv: Binance --extra carries the vendor columns" {
	run -0 bp-fetch csv --symbol BTCUSDT --extra --plain "$F/binance-ms.csv"
	[ "${lines[0]}" = '{"ts":"2024-01-01T00:00:00Z","symbol":"BTCUSDT","open":42283.58,"high":42554.57,"low":42261.02,"close":42475.23,"volume":1271.68108,"volume_quote":53957248.9735557,"trades":47134,"taker_base":682.57581,"taker_quote":28957416.8199496}' ]
}

@test "bp-fetch csv: CryptoDataDownload BTC: title line, CRLF, newest first, identical repeats" {
	run -0 --separate-stderr bp-fetch csv -v --symbol BTCUSDT -o out.zst "$F/cdd-btc.csv"
	[[ $stderr == *"format cryptodatadownload (detected), 1 title line"* ]]
	[[ $stderr == *"time from 'Unix Timestamp'"* ]]
	[[ $stderr == *"newest first"* ]]
	[[ $stderr == *"warning: dropped 4 repeated rows"* ]]
	check_golden bp-fetch cdd-btc out.zst
}

@test "bp-fetch csv: CryptoDataDownload ETH: mixed s/ms epochs, conflicting repeats" {
	run -1 --separate-stderr bp-fetch csv --symbol ETHUSDT --plain "$F/cdd-eth.csv"
	[[ $stderr == *"cdd-eth.csv:8 and "*"cdd-eth.csv:9: conflicting rows for 2020-08-01T23:00:00Z"* ]]
	[[ $stderr == *"--dupes first"* ]]
	[ -z "$output" ]
	run -0 bp-fetch csv --symbol ETHUSDT --dupes first -o first.zst "$F/cdd-eth.csv"
	check_golden bp-fetch cdd-eth-first first.zst
	run -0 bp-fetch csv --symbol ETHUSDT --dupes last --plain "$F/cdd-eth.csv"
	# 2020-11-20 07:00: first is the full candle (line 4), last the partial one
	[[ $output == *'"ts":"2020-11-20T07:00:00Z","symbol":"ETHUSDT","open":484.36,"high":493.98,"low":483.52,"close":488.78,"volume":110208.6}'* ]]
}

@test "bp-fetch csv: Yahoo daily: CRLF, no final newline, --extra adj_close" {
	run -0 bp-fetch csv --symbol SPY -o out.zst "$F/yahoo-spy.csv"
	check_golden bp-fetch yahoo-spy out.zst
	run -0 --separate-stderr bp-fetch csv --symbol SPY --extra --plain "$F/yahoo-spy.csv"
	[ "${#lines[@]}" -eq 8 ]
	[[ ${lines[7]} == '{"ts":"2000-01-12T00:00:00Z","symbol":"SPY","open":144.59375,"high":144.59375,"low":142.875,"close":143.0625,"volume":6907700,"adj_close":92.348846}' ]]
}

@test "bp-fetch csv: HistData M1: EST (UTC-5) by default, --tz overrides" {
	run -0 --separate-stderr bp-fetch csv -v --symbol EURUSD -o out.zst "$F/histdata-eurusd.csv"
	[[ $stderr == *"format histdata (detected)"*"(UTC-05:00)"* ]]
	check_golden bp-fetch histdata-eurusd out.zst
	# 20180101 170000 EST = 22:00 UTC; read as UTC it stays 17:00
	run -0 --separate-stderr bp-fetch csv --symbol EURUSD --tz UTC --plain "$F/histdata-eurusd.csv"
	[[ ${lines[0]} == '{"ts":"2018-01-01T17:00:00Z",'* ]]
	run -0 --separate-stderr bp-fetch csv --symbol EURUSD --tz UTC-5 --plain "$F/histdata-eurusd.csv"
	[[ ${lines[0]} == '{"ts":"2018-01-01T22:00:00Z",'* ]]
}

@test "bp-fetch csv: generic: BOM, quoted fields, CRLF, newline in quotes, blank lines" {
	run -0 bp-fetch csv --symbol X -o out.zst "$F/generic-quoted.csv"
	check_golden bp-fetch generic-quoted out.zst
}

@test "bp-fetch csv: generic with --map, ';' delimiter and --tz" {
	run -1 --separate-stderr bp-fetch csv --symbol X --plain "$F/generic-map.csv"
	[[ $stderr == *"no column for 'open'"*"--map open=COLUMN"* ]]
	run -0 bp-fetch csv --symbol X --tz -05:00 --plain \
		--map ts=when,open=px_open,high=px_high,low=px_low \
		--map close=px_close,volume=qty "$F/generic-map.csv"
	[ "${lines[0]}" = '{"ts":"2024-03-01T14:30:00Z","symbol":"X","open":10,"high":11,"low":9,"close":10.5,"volume":100}' ]
	[ "${lines[1]}" = '{"ts":"2024-03-01T14:31:00Z","symbol":"X","open":10.5,"high":10.75,"low":10.25,"close":10.5,"volume":50}' ]
}

@test "bp-fetch csv: generic without a header needs --map positions" {
	printf '2024-01-01,1,2,0.5,1.5,10\n2024-01-02,1.5,2,1,1.75,20\n' >nohdr.csv
	run -1 --separate-stderr bp-fetch csv --symbol X --plain nohdr.csv
	[[ $stderr == *"no header line"* ]]
	run -0 bp-fetch csv --symbol X --plain \
		--map ts=1,open=2,high=3,low=4,close=5,volume=6 nohdr.csv
	[ "${lines[1]}" = '{"ts":"2024-01-02T00:00:00Z","symbol":"X","open":1.5,"high":2,"low":1,"close":1.75,"volume":20}' ]
}

@test "bp-fetch csv: ambiguous generic columns are refused" {
	printf 'Date,Time,Open,High,Low,Close,Volume\n2024-01-01,10:00,1,2,0.5,1.5,10\n' >dt.csv
	run -1 --separate-stderr bp-fetch csv --symbol X --plain dt.csv
	[[ $stderr == *"columns 'Date' and 'Time' could both be 'ts'"* ]]
}

@test "bp-fetch csv: several files are merged in time order" {
	head -n 2 "$F/binance-ms.csv" >a.csv
	tail -n 1 "$F/binance-ms.csv" >b.csv
	run -0 bp-fetch csv --symbol X --plain b.csv a.csv
	[ "${#lines[@]}" -eq 3 ]
	cmp <(printf '%s\n' "${lines[@]}") <(bp-fetch csv --symbol X --plain "$F/binance-ms.csv")
}

# ---- the sample data -------------------------------------------------------

@test "bp-fetch csv: the BTCUSDT sample reads as 8760 hourly bars in time order" {
	run -0 --separate-stderr bp-fetch csv -v --symbol BTCUSDT -o btc.zst "$SAMPLE/BTCUSDT-1h.csv"
	[[ $stderr == *"timeframe 1h (inferred"* ]]
	[ "$(unz btc.zst | wc -l)" -eq 8760 ]
	[ "$(unz btc.zst | head -n1)" = '{"ts":"2019-09-29T08:00:00Z","symbol":"BTCUSDT","open":8086.51,"high":8115.46,"low":8082.09,"close":8084.63,"volume":788.82}' ]
	[ "$(unz btc.zst | tail -n1)" = '{"ts":"2020-09-28T07:00:00Z","symbol":"BTCUSDT","open":10868.73,"high":10870.95,"low":10845.48,"close":10845.48,"volume":258.5}' ]
	# strictly increasing, one hour apart
	unz btc.zst | jq -r .ts | sort -c -u
}

@test "bp-fetch csv: the SPY sample reads as 2546 daily bars" {
	run -0 bp-fetch csv --symbol SPY -o spy.zst "$SAMPLE/SPY-1d.csv"
	[ "$(unz spy.zst | wc -l)" -eq 2546 ]
	[ "$(unz spy.zst | head -n1)" = '{"ts":"2014-01-02T00:00:00Z","symbol":"SPY","open":183.979996,"high":184.070007,"low":182.479996,"close":182.919998,"volume":119636900}' ]
	[ "$(unz spy.zst | tail -n1)" = '{"ts":"2024-02-13T00:00:00Z","symbol":"SPY","open":494.529999,"high":497.089996,"low":490.720001,"close":494.079987,"volume":112943400}' ]
}

@test "bp-fetch csv: the full shared data files parse with the README's counts" {
	local d=$ROOT/../shared/data
	[ -d "$d" ] || d=/work/shared/data
	[ -d "$d" ] || skip "shared data not present"
	run -0 bp-fetch csv --symbol BTCUSDT -o btc.zst "$d/Binance_BTCUSDT_1h.csv"
	[ "$(unz btc.zst | wc -l)" -eq 27312 ]
	run -0 bp-fetch csv --symbol ETHUSDT --dupes first -o eth.zst "$d/Binance_ETHUSDT_1h.csv"
	[ "$(unz eth.zst | wc -l)" -eq 33413 ]
	run -0 bp-fetch csv --symbol SPY -o spy.zst "$d/SPY.csv"
	[ "$(unz spy.zst | wc -l)" -eq 6067 ]
	run -0 bp-fetch csv --symbol EURUSD -o eur.zst "$d/DAT_ASCII_EURUSD_M1_2018-01_2018-04.csv"
	[ "$(unz eur.zst | wc -l)" -eq 122462 ]
	[ "$(unz eur.zst | head -n1 | jq -r .ts)" = 2018-01-01T22:00:00Z ]
	[ "$(unz eur.zst | tail -n1 | jq -r .ts)" = 2018-05-01T04:59:00Z ]
	# keyed by the Unix column: the 2017-09-22 19:00 -> 23:00 hole is there
	run -0 bash -c "bp-fetch validate '$d/Binance_BTCUSDT_1h.csv' | jq -c '[.duplicates.identical, .gaps.count, .gaps.largest, .zero_volume]'"
	[ "$output" = '[4,1,"5h",115]' ]
}

@test "bp-fetch: the man page's EXAMPLES run as written from the repo root" {
	local page=$ROOT/man/man1/bp-fetch.1 n=0
	# every .Bd -literal block of EXAMPLES, with mdoc's \e unescaped
	awk '/^\.Sh EXAMPLES/ { on = 1; next } /^\.Sh / { on = 0 }
	     on && /^\.Bd -literal/ { blk = 1; n++; next }
	     on && /^\.Ed/ { blk = 0; next }
	     blk { gsub(/\\e/, "\\"); print > ("example." n ".sh") }' "$page"
	for ex in example.*.sh; do
		# examples contacting an exchange run in bp-fetch-rest.bats,
		# against recorded answers
		! grep -q '^# needs the network' "$ex" || continue
		n=$((n + 1))
		run -0 --separate-stderr bash -c "cd '$ROOT' && . '$PWD/$ex'"
		[ -n "$output" ] || [[ $(cat "$ex") == *prune* ]] ||
			{ echo "$ex printed nothing"; cat "$ex"; false; }
		# warnings (SPY's weekend gaps) are fine, errors are not
		! grep -v '^bp-fetch: warning: ' <<<"$stderr" | grep -q . ||
			{ echo "$ex: $stderr"; false; }
	done
	[ "$n" -ge 6 ]
	# the generic example's result, checked by hand: 10:00 at +01:00
	run -0 bash -c "cd '$ROOT' && . '$PWD/example.5.sh'"
	[ "$output" = '{"ts":"2024-01-02T09:00:00Z","symbol":"X","open":1,"high":2,"low":0.5,"close":1.5,"volume":100}' ]
}
