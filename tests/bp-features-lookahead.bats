#!/usr/bin/env bats
# bp-features: no feature looks ahead.  For every indicator (with its
# defaults and with short periods) and every derived feature and fuzzy set,
# the feature columns of the first rows must not change when the bars after
# them are altered, removed, or followed by more bars.  Labels are the only
# columns allowed to change, and only through their future.
load helper

setup() { bp_setup; }

FF() { echo "$FIX/features/$1"; }

# every indicator, with defaults and with small parameters
all_features() {
	local name def small
	while read -r name def small; do
		printf -- '-i %s ' "$name"
		[ -n "$small" ] && [ "$small" != "$def" ] &&
			printf -- '-i %s:%s ' "$name" "$small"
	done < <(bp-features --list | jq -r '(.params | split(",") |
		map(split("=")[1] | tonumber)) as $p | "\(.name) \($p |
		map(tostring) | join(",")) \($p | map(if . > 5 then (. / 3 |
		floor | if . < 2 then 2 else . end) else . end) | map(tostring)
		| join(","))"' | awk '$1 == "macd" { $3 = "4,8,3" } { print }')
	printf -- '--ret 1,7 --logret 2 --lag close:1,4 --lag rsi_14:2 '
	printf -- '--roll mean:6 --roll std:6 --roll zscore:6 --roll min:6 '
	printf -- '--roll max:6 --roll rank:6 --roll mean:4:volume --volz 8 '
	printf -- '--bar --calendar '
	printf -- "--fuzzy rsi_14:lo=tri(0,20,30),hi=trap(60,70,100,100),g=gauss(50,10) "
}

# keep N: the first N rows of the output, labels removed
keep() {
	head -"$1" | jq -c 'with_entries(select(.key | startswith("label_") | not))'
}

@test "no look-ahead: altering, removing or adding future bars changes no past feature" {
	local args
	args=$(all_features)
	[ "$(wc -w <<<"$args")" -gt 120 ]
	bp-features $args --label up:3 --label tb:5 --plain "$(FF btc-300.ndjson)" |
		keep 200 >full
	# the same 200 bars followed by different futures
	head -200 "$(FF btc-300.ndjson)" >cut.ndjson
	head -200 "$(FF btc-300.ndjson)" >altered.ndjson
	tail -100 "$(FF btc-300.ndjson)" | jq -c '.open *= 1.7 | .high *= 1.9 |
		.low *= 0.4 | .close *= 0.6 | .volume *= 9' >>altered.ndjson
	cp "$(FF btc-300.ndjson)" longer.ndjson
	tail -50 "$(FF btc-300.ndjson)" |
		jq -c '.ts |= (fromdate + 300 * 3600 | todate)' >>longer.ndjson
	for f in cut altered longer; do
		bp-features $args --label up:3 --label tb:5 --plain "$f.ndjson" |
			keep 200 >"$f.out"
		diff -q full "$f.out" || { diff full "$f.out" | head -5; false; }
	done
	# the check can fail: the columns are there and not all null
	[ "$(head -1 full | jq 'keys | length')" -gt 100 ]
	[ "$(tail -1 full | jq '[.[] | select(. == null)] | length')" -eq 0 ]
}

@test "no look-ahead: each indicator alone, against a truncated input" {
	local name cols
	head -120 "$(FF btc-300.ndjson)" >cut.ndjson
	while read -r name; do
		bp-features -i "$name" --plain "$(FF btc-300.ndjson)" | head -120 >a
		bp-features -i "$name" --plain cut.ndjson >b
		cmp a b || { echo "$name looks ahead"; false; }
	done < <(bp-features --list | jq -r .name)
}

@test "no look-ahead: labels change with the future, features do not" {
	head -200 "$(FF btc-300.ndjson)" >a.ndjson
	{ head -150 "$(FF btc-300.ndjson)"
	  sed -n 151,200p "$(FF btc-300.ndjson)" | jq -c '.close *= 1.5 |
		.high *= 1.5'; } >b.ndjson
	bp-features -i rsi --label ret:10 --plain a.ndjson | head -140 >a.out
	bp-features -i rsi --label ret:10 --plain b.ndjson | head -140 >b.out
	diff <(jq -c .rsi_14 a.out) <(jq -c .rsi_14 b.out)
	# rows 141.. see the altered closes through their label only
	[ "$(jq -c .label_ret_10 a.out | tail -1)" = "$(jq -c .label_ret_10 b.out | tail -1)" ]
	bp-features -i rsi --label ret:10 --plain a.ndjson | sed -n 145p >a.row
	bp-features -i rsi --label ret:10 --plain b.ndjson | sed -n 145p >b.row
	[ "$(jq .rsi_14 a.row)" = "$(jq .rsi_14 b.row)" ]
	[ "$(jq .label_ret_10 a.row)" != "$(jq .label_ret_10 b.row)" ]
}
