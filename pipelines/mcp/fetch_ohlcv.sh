#!/usr/bin/env bash
# fetch_ohlcv: bars of one symbol from a CSV file in the workspace, from a
# sample shipped with barpipe, or from the bar cache -> a bar stream file
# in the workspace (zstd NDJSON), optionally upserted into the cache.
set -euo pipefail
. "${0%/*}/common.sh"
mkscratch

sym=$(arg SYMBOL)
tf=$(arg TIMEFRAME)
src=$(arg SOURCE)
out=$(arg OUTPUT)

case $src in
sample)
	file="$BP_SHARE/data/sample/$(arg SAMPLE).csv" ;;
csv)
	file=$(arg CSV)
	[ -n "$file" ] || die "source csv needs the argument 'csv'" ;;
cache)
	[ -n "$tf" ] || die "source cache needs the argument 'timeframe'" ;;
esac

fopts=(--symbol "$sym" --format "$(arg FORMAT)")
[ -n "$tf" ] && fopts+=(--timeframe "$tf")

if [ "$src" != cache ]; then
	progress 1 3 "validating $file"
	# CSV -> validation summary (JSON): format, timeframe, gaps, bad rows
	bp-fetch validate "${fopts[@]}" -o "$scratch/validate.json" "$file"
	tf=$(jq -r '.timeframe // empty' "$scratch/validate.json")
	[ -n "$tf" ] || die "cannot tell the timeframe of $file; pass 'timeframe'"
	[ -n "$out" ] || out="data/$sym-$tf.bars.zst"
	confine "$out"
	mkdir -p "$(dirname "$out")"
	progress 2 3 "converting to $out"
	# CSV -> bar stream (zstd) in the workspace [+ upsert into the cache]
	store=()
	[ "$(arg STORE)" = true ] && store=(--store --db "$BP_DB")
	bp-fetch csv "${fopts[@]}" --timeframe "$tf" "${store[@]}" -o "$out" "$file"
else
	[ -n "$out" ] || out="data/$sym-$tf.bars.zst"
	confine "$out"
	mkdir -p "$(dirname "$out")"
	progress 2 3 "reading the cache"
	dopts=(--db "$BP_DB" --symbol "$sym" --timeframe "$tf")
	[ -n "$(arg SINCE)" ] && dopts+=(--since "$(arg SINCE)")
	[ -n "$(arg UNTIL)" ] && dopts+=(--until "$(arg UNTIL)")
	# cache -> bar stream (zstd) in the workspace
	bp-fetch db "${dopts[@]}" -o "$out"
fi

progress 3 3 "summarising"
# bar stream -> its first and last bar and count
zstd -dcq "$out" | jq -c '{ts}' | sed -n '1p;$p' >"$scratch/ends"
n=$(zstd -dcq "$out" | wc -l)
[ "$n" -gt 0 ] || die "no bars for $sym $tf"
# -> the tool's result
jq -nc --arg sym "$sym" --arg tf "$tf" --arg src "$src" --arg out "$out" \
	--argjson bars "$n" --arg stored "$(arg STORE)" \
	--slurpfile ends "$scratch/ends" \
	--slurpfile v "$( [ -f "$scratch/validate.json" ] && echo "$scratch/validate.json" || echo /dev/null)" \
	'{symbol: $sym, timeframe: $tf, source: $src, output: $out,
	  bars: $bars, first: $ends[0].ts, last: $ends[-1].ts,
	  stored: ($src != "cache" and $stored == "true"),
	  validation: (if ($v | length) > 0 then $v[0] | {ok, gaps: .gaps.count,
		missing_bars: .gaps.missing, duplicates: .duplicates.identical,
		bad_rows: .bad.count, zero_volume} else null end)}'
