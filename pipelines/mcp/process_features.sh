#!/usr/bin/env bash
# process_features: a bar stream in the workspace -> a feature stream
# (indicators, derived features, fuzzy sets, labels) from a strategy spec
# and/or an indicator list; prints a summary of the columns.
set -euo pipefail
. "${0%/*}/common.sh"

in=$(arg INPUT)
strategy=$(arg STRATEGY)
out=$(arg OUTPUT)
opts=()
if [ -n "$strategy" ]; then
	# a strategy name -> its spec: the workspace's, else a shipped example
	spec="strategies/$strategy.json"
	[ -f "$spec" ] || spec="$BP_SHARE/strategies/$strategy.json"
	[ -f "$spec" ] || die "no strategy '$strategy' (see list_strategies)"
	opts+=(--spec "$spec")
fi
while IFS= read -r i; do
	[ -n "$i" ] && opts+=(-i "$i")
done <<<"$(arg INDICATORS)"
while IFS= read -r l; do
	[ -n "$l" ] && opts+=(--label "$l")
done <<<"$(arg LABELS)"
[ "${#opts[@]}" -gt 0 ] || die "give a strategy or indicators"
[ "$(arg DROP_WARMUP)" = true ] && opts+=(--drop-warmup)
if [ -z "$out" ]; then
	base=$(basename "$in")
	base=${base%.zst}
	base=${base%.bars}
	base=${base%.ndjson}
	out="features/$base${strategy:+-$strategy}.zst"
fi
confine "$out"
mkdir -p "$(dirname "$out")"

progress 1 2 "computing features"
# bar stream -> feature stream (zstd) in the workspace
bp-features "${opts[@]}" -o "$out" "$in"

progress 2 2 "summarising"
# feature stream -> rows, columns, first and last bar
rows=$(zstd -dcq "$out" | wc -l)
[ "$rows" -gt 0 ] || die "no rows in $out"
zstd -dcq "$out" | sed -n '1p;$p' | jq -sc --arg in "$in" --arg out "$out" --argjson rows "$rows" '
	(.[0] | keys_unsorted) as $cols
	| ["ts", "symbol", "open", "high", "low", "close", "volume"] as $bar
	| {input: $in, output: $out, rows: $rows, columns: $cols,
	   features: [$cols[] | select(startswith("label_") | not)
		| select(. as $c | $bar | index($c) | not)],
	   labels: [$cols[] | select(startswith("label_"))
		| select(endswith("_end") | not)],
	   first: .[0].ts, last: .[-1].ts}'
