#!/usr/bin/env bats
# bp-model health: a registered model's training reference against a
# current feature stream, its metrics trend, last retrain and verdict
# (lib/health; the numbers themselves are checked in tests/unit/test-health).
load helper

setup() {
	bp_setup
	command -v bp-train >/dev/null || skip "bp-train is not built here"
}

D=$FIX/drift

# a logistic regression on the drift fixture's reference rows, as up@1
register() {
	bp-train -q --model logreg --label label_up -f a,ties --register up \
		"$D/ref.ndjson"
	bp-model -q promote up@1
}

@test "bp-model health: --help names the command and its options" {
	run -0 --separate-stderr bp-model --help
	[[ $output == *"health REF [FILE]"* ]]
	[[ $output == *"--cur-window"* && $output == *"--fail-on"* ]]
}

@test "bp-model health: one report, with the model, trend and last retrain" {
	register
	run -3 --separate-stderr bp-model health up "$D/cur.ndjson" -o h.json
	[ -z "$output" ]
	run -0 jq -e '.format == "barpipe-model-health" and .version == 1 and
		.model.name == "up" and .model.version == 1 and
		.model.status == "active" and .model.kind == "logreg" and
		.model.features == ["a", "ties"] and
		(.last_retrain | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T")) and
		.reference.source == "model sketch" and .current.rows == 40 and
		([.columns[].column] == ["a", "ties"]) and
		.prediction.score.column == "score" and
		.performance.label == "label_up" and
		.performance.task == "binary" and
		(.trend | length == 2) and .trend[0].version == 1 and
		.trend[1].version == "current" and .trend[1].rows == 40 and
		.level == "CRITICAL" and .recommendation == "retrain now"' h.json
	# the stored reference's figures: no KS without the training rows
	run -0 jq -e '.columns[0].tests.ks == null and
		.columns[0].tests.psi.value > 0' h.json
}

@test "bp-model health: the training rows against their own sketch are healthy" {
	register
	# the first 48 rows trained the model (the last 12 validated it)
	head -n 48 "$D/ref.ndjson" >train.ndjson
	run -0 bp-model health up train.ndjson --json
	[ "$(jq -r .level <<<"$output")" = NONE ]
	[ "$(jq -r .recommendation <<<"$output")" = "no action" ]
}

@test "bp-model health: --ref gives bp-drift's exact figures" {
	register
	run -3 bp-model health up --ref "$D/ref.ndjson" "$D/cur.ndjson" --json
	printf '%s\n' "$output" >h.json
	bp-drift --json --ref "$D/ref.ndjson" --columns a,ties --score no \
		--signal no "$D/cur.ndjson" >d.json || true
	[ "$(jq -c '[.columns[] | .tests | del(.null_rate)]' h.json)" = \
		"$(jq -c '[.columns[] | .tests | del(.null_rate)]' d.json)" ]
	run -0 jq -e '.reference.source | endswith("ref.ndjson")' h.json
}

@test "bp-model health: --fail-on, --cur-window, stdin, a model file" {
	register
	run -3 bp-model health up "$D/cur.ndjson" --fail-on critical --json
	run -2 --separate-stderr bp-model health up "$D/cur.ndjson" --fail-on worst
	[[ $stderr == *"--fail-on: 'worst' is not a level"* ]]
	run -2 --separate-stderr bp-model health up --cur-window soon "$D/cur.ndjson"
	[[ $stderr == *"--cur-window: 'soon' is not a window"* ]]
	run -3 bp-model health up --cur-window last:12h --json <"$D/cur.ndjson"
	[ "$(jq -r '.current.rows, .current.source' <<<"$output" | paste -sd' ')" = \
		"12 <stdin>" ]
	# a model file: no registry, no trend but the current metrics
	cp "$BARPIPE_HOME/models/up/1.json" m.json
	run -3 bp-model health m.json "$D/cur.ndjson" --json
	[ "$(jq -c '[.model.name, .last_retrain, (.trend | length)]' <<<"$output")" = \
		'[null,null,1]' ]
	# healthy data with --fail-on LOW still exits 0
	head -n 48 "$D/ref.ndjson" >train.ndjson
	run -0 bp-model health up train.ndjson --fail-on LOW --json
}

@test "bp-model health: table, Prometheus text, atomic outputs" {
	register
	run -3 --separate-stderr bp-model health up "$D/cur.ndjson" --table \
		--prom h.prom -o h.json
	[[ ${lines[0]} == "model up@1: logreg binary, label label_up, 2 features; last retrained "* ]]
	[[ $output == *"metrics by version:"* && $output == *"overall: CRITICAL"* ]]
	grep -qx 'barpipe_drift_level 4' h.prom
	grep -q '^barpipe_drift_psi{column="ties"} ' h.prom
	grep -q '^barpipe_drift_metric{metric="auc",sample="current"} ' h.prom
	no_temp_left .
	mkdir out
	run -1 --separate-stderr bp-model health up missing.ndjson -o out/h.json \
		--prom out/h.prom
	[[ $stderr == *"cannot open 'missing.ndjson'"* ]]
	[ ! -e out/h.json ] && [ ! -e out/h.prom ]
	no_temp_left out
}

@test "bp-model health: errors exit 1 with one clear line" {
	register
	run -1 --separate-stderr bp-model health nosuch "$D/cur.ndjson"
	[[ $stderr == *"no model 'nosuch'"* ]]
	run -1 --separate-stderr bp-model health up@7 "$D/cur.ndjson"
	[[ $stderr == *"no version 7"* ]]
	printf '{"ts":"2024-01-01T00:00:00Z","a":1}\n' >nofeat.ndjson
	run -1 --separate-stderr bp-model health up nofeat.ndjson
	[[ $stderr == *"nofeat.ndjson: the model's feature 'ties' is missing or not numeric"* ]]
	zstd -q -c "$D/cur.ndjson" | head -c 50 >trunc.zst
	run -1 --separate-stderr bp-model health up trunc.zst
	[[ $stderr == *"trunc.zst"* ]]
	run -1 --separate-stderr bash -c \
		"bp-model health up --json '$D/cur.ndjson' >/dev/full"
	run -2 --separate-stderr bp-model health
	[[ $stderr == *"health takes 1 to 2 operands"* ]]
}
