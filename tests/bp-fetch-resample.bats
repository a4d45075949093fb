#!/usr/bin/env bats
# bp-fetch resample: coarser bars per symbol, against bars computed by hand.
# tests/fixtures/fetch/resample-1h.ndjson holds hourly bars of A (02:00 to
# 13:00) and B (00:00 to 11:00 without 05:00), interleaved; the expected 4h
# bars in tests/golden/bp-fetch/resample-4h-*.ndjson were written by hand:
#   A 00:00 = 02,03 (o 10, h max(12,13), l min(9,10), c 12, v 1+2), partial
#   A 04:00 = 04..07 (o 12, h 15, l 10, c 11, v 3+4+5+6 = 18)
#   A 08:00 = 08..11 (o 11, h 12, l 7.5, c 11.25, v 7+8+9+10 = 34)
#   A 12:00 = 12,13 (o 11.25, h 13, l 11, c 12.25, v 11+12.5), partial
#   B 00:00 = 00..03, B 04:00 = 04,06,07 (a hole, not partial), B 08:00 = 08..11
load helper

setup() { bp_setup; }

F=$FIX/fetch

@test "resample: 1h to 4h per symbol, partial edge bars kept (default)" {
	run -0 bp-fetch resample --to 4h -o out.zst "$F/resample-1h.ndjson"
	check_golden bp-fetch resample-4h-keep out.zst
}

@test "resample: --partial drop leaves out the partial first and last bars" {
	run -0 bp-fetch resample --to 4h --partial drop -o out.zst "$F/resample-1h.ndjson"
	check_golden bp-fetch resample-4h-drop out.zst
}

@test "resample: --partial mark adds partial true/false to every bar" {
	run -0 bp-fetch resample --to 4h --partial mark -o out.zst "$F/resample-1h.ndjson"
	check_golden bp-fetch resample-4h-mark out.zst
}

@test "resample: --from gives the source timeframe (2h: every A bucket is partial)" {
	# with 2h source bars a 4h bucket needs 2 bars: A's edges hold 2, so
	# they are complete
	run -0 bp-fetch resample --to 4h --from 2h --partial mark --plain "$F/resample-1h.ndjson"
	[ "$(jq -c 'select(.partial) | .symbol' <<<"$output" | wc -l)" -eq 0 ]
	run -2 --separate-stderr bp-fetch resample --to 90m --from 1h "$F/resample-1h.ndjson"
	[[ $stderr == *"--to must be a multiple of --from"* ]]
}

@test "resample: zstd or plain input on stdin, the same output" {
	bp-fetch resample --to 4h --plain <"$F/resample-1h.ndjson" >a.out
	zstd -qc "$F/resample-1h.ndjson" | bp-fetch resample --to 4h --plain >b.out
	cmp a.out b.out
	cmp a.out "$GOLDEN/bp-fetch/resample-4h-keep.ndjson"
}

@test "resample: daily to weekly buckets start on Monday" {
	# SPY sample: Thu 2014-01-02 and Fri 01-03 fall in the week of Monday
	# 2013-12-30 (by hand: o 183.979996, h max(184.070007, 183.600006),
	# l min(182.479996, 182.630005), c 182.889999, v 119636900 + 81390600)
	bp-fetch csv --symbol SPY "$SAMPLE/SPY-1d.csv" 2>/dev/null |
		bp-fetch resample --to 1w --partial mark --plain >w.out
	[ "$(head -n1 w.out)" = '{"ts":"2013-12-30T00:00:00Z","symbol":"SPY","open":183.979996,"high":184.070007,"low":182.479996,"close":182.889999,"volume":201027500,"partial":true}' ]
	[ "$(sed -n 2p w.out | jq -c '[.ts, .partial]')" = '["2014-01-06T00:00:00Z",false]' ]
	# every bucket starts on a Monday (date +%u = 1)
	for t in $(jq -r .ts w.out | head -n 20); do
		[ "$(date -u -d "$t" +%u)" = 1 ]
	done
}

@test "resample: hourly sample to 1d matches a hand-checked day" {
	bp-fetch csv --symbol BTCUSDT "$SAMPLE/BTCUSDT-1h.csv" |
		bp-fetch resample --to 1d --partial drop --plain >d.out
	# 2019-09-29 starts at 08:00 in the sample: a partial first day, dropped;
	# the last day (2020-09-28, 8 hours) is partial too
	[ "$(head -n1 d.out | jq -r .ts)" = 2019-09-30T00:00:00Z ]
	[ "$(tail -n1 d.out | jq -r .ts)" = 2020-09-27T00:00:00Z ]
	[ "$(wc -l <d.out)" -eq 364 ]
	# the day's open is the 00:00 open, its close the 23:00 close,
	# high/low the extremes, volume the sum (checked with jq, not our code)
	bp-fetch csv --symbol BTCUSDT --plain "$SAMPLE/BTCUSDT-1h.csv" |
		grep '"ts":"2020-03-12T' >day.ndjson
	[ "$(wc -l <day.ndjson)" -eq 24 ]
	want=$(jq -sc '{open: .[0].open, high: (map(.high) | max), low: (map(.low) | min), close: .[-1].close}' day.ndjson)
	got=$(grep '"ts":"2020-03-12T' d.out | jq -c '{open, high, low, close}')
	[ "$got" = "$want" ]
	# volume: a sum of 24 two-decimal numbers, compared to 1e-6 relative
	# (the order of additions may differ from jq's)
	jq -sn --slurpfile a day.ndjson --argjson v "$(grep '"ts":"2020-03-12T' d.out | jq .volume)" \
		'($a | map(.volume) | add) as $s | (($s - $v) | fabs) / $s < 1e-9' | grep -q true
}

@test "resample: bars out of time order within a symbol are an error" {
	printf '%s\n' \
		'{"ts":"2024-01-01T01:00:00Z","symbol":"A","open":1,"high":1,"low":1,"close":1,"volume":1}' \
		'{"ts":"2024-01-01T00:00:00Z","symbol":"A","open":1,"high":1,"low":1,"close":1,"volume":1}' >back.ndjson
	run -1 --separate-stderr bp-fetch resample --to 4h --plain back.ndjson
	[ "$stderr" = "bp-fetch: back.ndjson:2: A bar at 2024-01-01T00:00:00Z goes back in time (resample needs each symbol's bars in time order)" ]
	sed -n 1p back.ndjson >rep.ndjson
	sed -n 1p back.ndjson >>rep.ndjson
	run -1 --separate-stderr bp-fetch resample --to 4h --plain rep.ndjson
	[[ $stderr == *"rep.ndjson:2: A bar at 2024-01-01T01:00:00Z is repeated"* ]]
}

@test "resample: a target that is not a multiple of the bars' spacing is refused" {
	run -1 --separate-stderr bp-fetch resample --to 90m --plain "$F/resample-1h.ndjson"
	[[ $stderr == *"--to 90m is not a multiple of the 1h spacing of the bars of"* ]]
	run -1 --separate-stderr bp-fetch resample --to 30m --plain "$F/resample-1h.ndjson"
	[[ $stderr == *"are 1h apart, coarser than --to 30m"* ]]
}

@test "resample: a row that is not a bar is named with its line" {
	printf '%s\n' \
		'{"ts":"2024-01-01T00:00:00Z","symbol":"A","open":1,"high":1,"low":1,"close":1,"volume":1}' \
		'{"ts":"2024-01-01T01:00:00Z","symbol":"A","open":1,"high":1,"low":1,"volume":1}' >bad.ndjson
	run -1 --separate-stderr bp-fetch resample --to 4h --plain bad.ndjson
	[ "$stderr" = "bp-fetch: bad.ndjson:2: 'close' is missing or null" ]
	printf '{"ts":"yesterday","symbol":"A","open":1,"high":1,"low":1,"close":1,"volume":1}\n' >badts.ndjson
	run -1 --separate-stderr bp-fetch resample --to 4h --plain badts.ndjson
	[ "$stderr" = "bp-fetch: badts.ndjson:1: 'ts' is not a time" ]
}

@test "resample: other columns are not carried, with one warning each" {
	printf '%s\n' \
		'{"ts":"2024-01-01T00:00:00Z","symbol":"A","open":1,"high":2,"low":1,"close":2,"volume":1,"rsi":50}' \
		'{"ts":"2024-01-01T01:00:00Z","symbol":"A","open":2,"high":3,"low":2,"close":3,"volume":1,"rsi":60}' >x.ndjson
	run -0 --separate-stderr bp-fetch resample --to 1d --plain x.ndjson
	[ "$stderr" = "bp-fetch: warning: column 'rsi' is not a bar column and is not carried into the resampled bars" ]
	[ "$output" = '{"ts":"2024-01-01T00:00:00Z","symbol":"A","open":1,"high":3,"low":1,"close":3,"volume":2}' ]
}

@test "resample: truncated zstd input, missing file, /dev/full, failed -o" {
	zstd -qc "$F/resample-1h.ndjson" | head -c 50 >trunc.zst
	run -1 --separate-stderr bp-fetch resample --to 4h --plain trunc.zst
	[[ $stderr == *"trunc.zst"* ]]
	run -1 --separate-stderr bp-fetch resample --to 4h nosuch.ndjson
	[[ $stderr == *"cannot open 'nosuch.ndjson'"* ]]
	run -1 --separate-stderr bash -c "bp-fetch resample --to 4h '$F/resample-1h.ndjson' >/dev/full"
	run -1 --separate-stderr bp-fetch resample --to 4h -o out.zst trunc.zst
	[ ! -e out.zst ]
	no_temp_left .
}

@test "resample: usage errors" {
	run -2 --separate-stderr bp-fetch resample "$F/resample-1h.ndjson"
	[[ $stderr == *"--to is required"* ]]
	run -2 --separate-stderr bp-fetch resample --to 4h --partial half
	[[ $stderr == *"--partial: 'half' is not one of keep, drop, mark"* ]]
	run -2 --separate-stderr bp-fetch resample --to 4h a b
	[[ $stderr == *"one input at most"* ]]
}
