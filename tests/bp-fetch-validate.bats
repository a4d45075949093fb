#!/usr/bin/env bats
# bp-fetch: validation (always on in csv; the summary of validate), each
# failure kind with --on-bad fail|skip|report and --dupes error|first|last.
load helper

setup() { bp_setup; }

F=$FIX/fetch

# summary FILE... : the validate document as one line (exit code kept)
summary() ( set -o pipefail; bp-fetch validate "$@" | jq -c . )

@test "validate: a non-numeric value: fail names file, line and field" {
	run -1 --separate-stderr bp-fetch csv --symbol X --plain "$F/bad-number.csv"
	[ "$stderr" = "bp-fetch: $F/bad-number.csv:3: 'close' is not a number" ]
	[ -z "$output" ]
}

@test "validate: --on-bad skip drops and counts, report keeps with null" {
	run -0 --separate-stderr bp-fetch csv --symbol X --on-bad skip --plain "$F/bad-number.csv"
	[ "${#lines[@]}" -eq 2 ]
	[[ $stderr == *"warning: skipped 1 bad row"* ]]
	[[ $output != *'"ts":"2024-01-01T01:00:00Z"'* ]]
	run -0 --separate-stderr bp-fetch csv --symbol X --on-bad report --plain "$F/bad-number.csv"
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[1]}" = '{"ts":"2024-01-01T01:00:00Z","symbol":"X","open":1.5,"high":2,"low":1,"close":null,"volume":10}' ]
	[[ $stderr == *"warning: $F/bad-number.csv:3: 'close' is not a number (kept)"* ]]
	# -q silences warnings, not errors
	run -0 --separate-stderr bp-fetch csv -q --symbol X --on-bad report --plain "$F/bad-number.csv"
	[ -z "$stderr" ]
}

@test "validate: OHLC inconsistency and negative values, each with its reason" {
	run -1 --separate-stderr bp-fetch csv --symbol X --plain "$F/bad-ohlc.csv"
	[ "$stderr" = "bp-fetch: $F/bad-ohlc.csv:3: 'high' 1.6 is below max(open, close) 1.75" ]
	run -3 --separate-stderr summary "$F/bad-ohlc.csv"
	[ "$(jq -c .bad <<<"$output")" = '{"count":4,"skipped":4,"kept":0,"non_numeric":0,"bad_time":0,"short":0,"negative":1,"ohlc":3,"list":[{"file":"'"$F"'/bad-ohlc.csv","line":3,"reason":"'"'high' 1.6 is below max(open, close) 1.75"'"},{"file":"'"$F"'/bad-ohlc.csv","line":4,"reason":"'"'low' 1.6 is above min(open, close) 1.5"'"},{"file":"'"$F"'/bad-ohlc.csv","line":5,"reason":"'"'low' 2 is above 'high' 1"'"},{"file":"'"$F"'/bad-ohlc.csv","line":6,"reason":"'"'volume' is negative (-3)"'"}]}' ]
	[ "$(jq -c '[.ok, .rows, .bars]' <<<"$output")" = '[false,6,2]' ]
	# with skip the same input is acceptable
	run -0 --separate-stderr summary --on-bad skip "$F/bad-ohlc.csv"
	[ "$(jq -c '[.ok, .bars, .bad.skipped]' <<<"$output")" = '[true,2,4]' ]
	run -0 --separate-stderr bp-fetch csv --symbol X --on-bad report --plain "$F/bad-ohlc.csv"
	[ "${#lines[@]}" -eq 6 ]
	[ "$(grep -c '(kept)' <<<"$stderr")" -eq 4 ]
}

@test "validate: a time that is not a time cannot be kept, even with report" {
	run -1 --separate-stderr bp-fetch csv --symbol X --plain "$F/bad-time.csv"
	[ "$stderr" = "bp-fetch: $F/bad-time.csv:3: 'ts' is not a time" ]
	run -0 --separate-stderr bp-fetch csv --symbol X --on-bad report --plain "$F/bad-time.csv"
	[ "${#lines[@]}" -eq 2 ]
	run -0 --separate-stderr summary --on-bad report "$F/bad-time.csv"
	[ "$(jq -c '[.bad.count, .bad.bad_time, .bad.kept, .bad.skipped]' <<<"$output")" = '[1,1,0,1]' ]
}

@test "validate: a short row" {
	run -1 --separate-stderr bp-fetch csv --symbol X --plain "$F/bad-short.csv"
	[ "$stderr" = "bp-fetch: $F/bad-short.csv:3: expected at least 6 fields, got 4" ]
	run -3 --separate-stderr summary "$F/bad-short.csv"
	[ "$(jq -c '[.bad.short, .bad.list[0].line]' <<<"$output")" = '[1,3]' ]
}

@test "validate: repeated times: identical dropped, conflicting an error naming both lines" {
	run -1 --separate-stderr bp-fetch csv --symbol X --plain "$F/dupes.csv"
	[ "$stderr" = "bp-fetch: $F/dupes.csv:5 and $F/dupes.csv:6: conflicting rows for 2024-01-01T02:00:00Z (keep one with --dupes first or --dupes last)" ]
	[ -z "$output" ]
	run -0 --separate-stderr bp-fetch csv --symbol X --dupes first --plain "$F/dupes.csv"
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[2]}" = '{"ts":"2024-01-01T02:00:00Z","symbol":"X","open":1.75,"high":2,"low":1.5,"close":1.8,"volume":10}' ]
	[[ $stderr == *"warning: dropped 1 repeated row"* ]]
	[[ $stderr == *"warning: 1 conflicting repeated time resolved by --dupes"* ]]
	run -0 --separate-stderr bp-fetch csv --symbol X --dupes last --plain "$F/dupes.csv"
	[ "${lines[2]}" = '{"ts":"2024-01-01T02:00:00Z","symbol":"X","open":1.75,"high":2,"low":1.5,"close":1.9,"volume":12}' ]
	run -3 --separate-stderr summary "$F/dupes.csv"
	[ "$(jq -c .duplicates <<<"$output")" = '{"identical":1,"conflicting":1,"list":[{"ts":"2024-01-01T02:00:00Z","file":"'"$F"'/dupes.csv","line":5,"other_file":"'"$F"'/dupes.csv","other_line":6}]}' ]
	run -0 --separate-stderr summary --dupes last "$F/dupes.csv"
	[ "$(jq -c '[.ok, .bars]' <<<"$output")" = '[true,4]' ]
}

@test "validate: repeats across files keep the first file's row with --dupes first" {
	printf 'ts,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,10\n' >a.csv
	printf 'ts,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.6,10\n' >b.csv
	run -1 --separate-stderr bp-fetch csv --symbol X --plain a.csv b.csv
	[[ $stderr == *"a.csv:2 and b.csv:2: conflicting rows"* ]]
	run -0 --separate-stderr bp-fetch csv --symbol X --dupes first --plain b.csv a.csv
	[[ $output == *'"close":1.6,'* ]]
}

@test "validate: unsorted input is sorted with a warning; gaps and zero volume" {
	run -0 --separate-stderr bp-fetch csv --symbol X -o out.zst "$F/unsorted.csv"
	[[ $stderr == *"warning: input not in time order (2 rows out of order); sorted"* ]]
	[[ $stderr == *"warning: 1 gap against 1h (2 missing bars; largest 3h after 2024-01-01T03:00:00Z)"* ]]
	check_golden bp-fetch unsorted out.zst
	cp "$F/unsorted.csv" .
	run -0 --separate-stderr summary unsorted.csv
	echo "$output" >summary.json
	check_golden bp-fetch validate-unsorted summary.json
}

@test "validate: -v prints the counts, the timeframe inferred and the order" {
	run -0 --separate-stderr bp-fetch csv -v --symbol BTCUSDT -o /dev/stdout "$F/cdd-btc.csv"
	[[ $stderr == *"timeframe 1h (inferred: the most common spacing)"* ]]
	[[ $stderr == *"newest first (put in time order)"* ]]
	[[ $stderr == *"15 rows, 11 bars, 0 bad, 4 identical and 0 conflicting repeats, 0 gaps, 0 zero-volume bars"* ]]
}

@test "validate: --timeframe is checked against the data" {
	run -0 --separate-stderr bp-fetch csv --symbol X --timeframe 30m --plain "$F/binance-ms.csv"
	[[ $stderr == *"warning: the most common spacing is 1h but the timeframe is 30m"* ]]
	[[ $stderr == *"warning: 2 gaps against 30m (2 missing bars; largest 1h"* ]]
	run -0 --separate-stderr summary --timeframe 30m "$F/binance-ms.csv"
	[ "$(jq -c '[.timeframe, .timeframe_inferred, .gaps.count]' <<<"$output")" = '["30m",false,2]' ]
}

@test "validate: bars off the timeframe's UTC boundaries are counted (wrong --tz)" {
	printf 'time,open,high,low,close,volume\n' >tz.csv
	for h in 00 01 02 03; do
		printf '2024-01-02 %s:00,1,2,0.5,1.5,10\n' "$h" >>tz.csv
	done
	run -0 --separate-stderr bp-fetch csv --symbol X --tz +05:30 --plain tz.csv
	[[ $stderr == *"warning: 4 bars not aligned to 1h boundaries in UTC (is --tz right?)"* ]]
	[[ ${lines[0]} == '{"ts":"2024-01-01T18:30:00Z",'* ]]
	run -0 --separate-stderr summary --tz +05:30 tz.csv
	[ "$(jq -c .misaligned <<<"$output")" = 4 ]
	# times with their own zone are not shifted by --tz
	run -0 --separate-stderr bp-fetch csv --symbol X --tz +05:30 --plain "$F/generic-quoted.csv"
	[ -z "$stderr" ]
	[[ ${lines[0]} == '{"ts":"2024-01-02T00:00:00Z",'* ]]
}

@test "validate: empty files are errors in csv, listed by validate" {
	run -1 --separate-stderr bp-fetch csv --symbol X --plain "$F/empty.csv"
	[ "$stderr" = "bp-fetch: '$F/empty.csv': no data rows (empty file)" ]
	run -1 --separate-stderr bp-fetch csv --symbol X --plain "$F/empty-header.csv"
	[[ $stderr == *"empty-header.csv': no data rows (empty file)"* ]]
	run -3 --separate-stderr summary "$F/empty.csv" "$F/empty-header.csv" "$F/binance-ms.csv"
	[ "$(jq -c '[.ok, .empty_files, .bars]' <<<"$output")" = '[false,["'"$F"'/empty.csv","'"$F"'/empty-header.csv"],3]' ]
}

@test "validate: the summary's keys are stable and documented" {
	run -0 --separate-stderr summary --symbol SPY "$SAMPLE/SPY-1d.csv"
	[ "$(jq -c 'keys_unsorted' <<<"$output")" = '["ok","symbol","files","rows","bars","first","last","timeframe","timeframe_inferred","unsorted","duplicates","gaps","misaligned","bad","zero_volume","empty_files"]' ]
	[ "$(jq -c '[.ok, .symbol, .rows, .bars, .first, .last, .timeframe, .gaps.count, .gaps.largest, (.gaps.list | length)]' <<<"$output")" = '[true,"SPY",2546,2546,"2014-01-02T00:00:00Z","2024-02-13T00:00:00Z","1d",549,"4d",10]' ]
	local k
	for k in $(jq -r '.. | objects | keys[]' <<<"$output" | sort -u); do
		mandoc -Tascii "$ROOT/man/man1/bp-fetch.1" | col -b | grep -qw -- "$k" ||
			{ echo "key $k is not in bp-fetch(1)"; false; }
	done
}

@test "validate: -o writes the summary atomically; a missing file exits 1" {
	run -0 bp-fetch validate -o sum.json "$F/binance-ms.csv"
	[ "$(jq -r .bars sum.json)" = 3 ]
	run -1 --separate-stderr bp-fetch validate -o sum2.json nosuch.csv
	[[ $stderr == *"cannot open 'nosuch.csv'"* ]]
	[ ! -e sum2.json ]
	no_temp_left .
	run -1 --separate-stderr bash -c "bp-fetch validate '$F/binance-ms.csv' >/dev/full"
}

@test "validate: the real files' quirks are found" {
	run -0 --separate-stderr summary "$SAMPLE/BTCUSDT-1h.csv"
	[ "$(jq -c '[.files[0].format, .files[0].order, .rows, .bars, .gaps.count, .zero_volume]' <<<"$output")" = '["cryptodatadownload","descending",8760,8760,0,16]' ]
	run -3 --separate-stderr summary "$F/cdd-eth.csv"
	[ "$(jq -c '[.duplicates.conflicting, .duplicates.list[0].line, .duplicates.list[0].other_line]' <<<"$output")" = '[3,8,9]' ]
}
