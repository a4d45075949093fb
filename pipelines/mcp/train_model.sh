#!/usr/bin/env bash
# train_model: a feature stream -> bp-train (kind, label, features and
# parameters, or a strategy spec's model) -> a model registered as a new
# candidate version of NAME; prints its version and validation metrics.
set -euo pipefail
. "${0%/*}/common.sh"
mkscratch

name=$(arg NAME)
opts=(--label "$(arg LABEL)" --valid-frac "$(arg VALID_FRAC)"
	--seed "$(arg SEED)" --register "$name" --db "$BP_DB")
strategy=$(arg STRATEGY)
if [ -n "$strategy" ]; then
	# a strategy name -> its spec (model kind, params, features)
	spec="strategies/$strategy.json"
	[ -f "$spec" ] || spec="$BP_SHARE/strategies/$strategy.json"
	[ -f "$spec" ] || die "no strategy '$strategy' (see list_strategies)"
	opts+=(--spec "$spec")
else
	opts+=(--model "$(arg KIND)")
fi
features=$(arg FEATURES | paste -sd, -)
[ -n "$features" ] && opts+=(--features "$features")
params=$(arg PARAMS)
if [ -n "$params" ]; then
	# {"max_depth": 4, ...} -> max_depth=4,...
	params=$(jq -r 'to_entries
		| if all(.key | test("^[a-z_][a-z0-9_]{0,40}$")) then .
		  else error("parameter names are lower-case words") end
		| map("\(.key)=\(.value)") | join(",")' <<<"$params")
	[ -n "$params" ] && opts+=(--params "$params")
fi

progress 1 2 "training"
# feature stream -> model file in the registry (a new candidate version);
# its metrics line and the registered version come on stderr
if ! bp-train "${opts[@]}" "$(arg INPUT)" 2>"$scratch/log"; then
	cat "$scratch/log" >&2
	exit 1
fi
cat "$scratch/log" >&2
version=$(sed -n 's/^bp-train: registered .*@\([0-9][0-9]*\).*/\1/p' "$scratch/log")
[ -n "$version" ] || die "bp-train did not say which version it registered"
file="$(dirname "$BP_DB")/models/$name/$version.json"
[ -f "$file" ] || die "no model file $file"
progress 2 2 "registered $name@$version"
# model file -> the tool's result
jq -c --arg name "$name" --argjson v "$version" --arg path "$file" \
	'{name: $name, version: $v, kind: .kind, label: .label, status: "candidate",
	  metrics, features: (.features | length), path: $path}' "$file"
