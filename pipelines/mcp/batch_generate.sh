#!/usr/bin/env bash
# batch_generate: score a feature stream with a model and return the
# latest score and signal of each of several symbols.
set -euo pipefail
. "${0%/*}/common.sh"

model=$(arg MODEL)
opts=(--model "$model" --db "$BP_DB" --long "$(arg LONG)" --short "$(arg SHORT)"
	--on-missing skip --plain)
[ "$(arg LONG_ONLY)" = true ] && opts+=(--long-only)
# the symbols, one per line -> a JSON array
syms=$(arg SYMBOLS | jq -Rsc 'split("\n") | map(select(. != ""))')
# features -> rows with score and signal -> the last row per symbol
bp-predict "${opts[@]}" "$(arg INPUT)" |
	jq -nc --argjson syms "$syms" --arg m "$model" '
		reduce inputs as $r ({};
			if ($syms | index($r.symbol)) != null
			then .[$r.symbol] = ($r | {symbol, ts, score, signal})
			else . end)
		| {model: $m, count: length,
		   signals: [$syms[] as $s | .[$s] | select(. != null)],
		   missing: [$syms[] as $s | select(has($s) | not) | $s]}'
