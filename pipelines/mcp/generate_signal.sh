#!/usr/bin/env bash
# generate_signal: score a feature stream with a model and return the
# latest score and signal of one symbol (research only: nothing trades).
set -euo pipefail
. "${0%/*}/common.sh"

model=$(arg MODEL)
opts=(--model "$model" --db "$BP_DB" --long "$(arg LONG)" --short "$(arg SHORT)"
	--on-missing skip --plain)
[ "$(arg LONG_ONLY)" = true ] && opts+=(--long-only)
mkscratch
# features -> rows with score and signal -> the symbol's last row
bp-predict "${opts[@]}" "$(arg INPUT)" |
	jq -c --arg s "$(arg SYMBOL)" 'select(.symbol == $s)
		| {symbol, ts, score, signal}' |
	sed -n '$p' >"$scratch/last"
[ -s "$scratch/last" ] || die "no scored row for $(arg SYMBOL) in $(arg INPUT)"
jq -c --arg m "$model" '. + {model: $m}' "$scratch/last"
