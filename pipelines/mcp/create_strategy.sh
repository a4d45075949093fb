#!/usr/bin/env bash
# create_strategy: a strategy spec (JSON) -> validated by bp-features ->
# saved as strategies/NAME.json in the workspace.
set -euo pipefail
. "${0%/*}/common.sh"
mkscratch

name=$(arg NAME)
path="strategies/$name.json"
if [ -e "$path" ] && [ "$(arg OVERWRITE)" != true ]; then
	die "strategy '$name' exists; pass overwrite: true to replace it"
fi
# the spec argument (JSON text) -> a pretty file
printf '%s' "$(arg SPEC)" | jq . >"$scratch/$name.json"
# validate: bp-features checks a spec before it reads any row
bp-features --spec "$scratch/$name.json" --plain </dev/null >/dev/null
created=true
[ -e "$path" ] && created=false
confine "$path"
mkdir -p strategies
mv "$scratch/$name.json" "$path"
jq -nc --arg name "$name" --arg path "$path" --argjson created "$created" \
	'{name: $name, path: $path, created: $created}'
