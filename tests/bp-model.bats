#!/usr/bin/env bats
# bp-model: the registry: register, list, show, promote, rollback,
# compare, rm, and their errors.
load helper

setup() { bp_setup; }

T=$FIX/models/train.ndjson

# reg KIND [PARAMS]: register the next version of 'up'
reg() {
	bp-train -q --model "$1" --label label_up ${2:+--params "$2"} \
		--register up "$T"
}

@test "bp-model: --help on stdout, exit 0" {
	run -0 --separate-stderr bp-model --help
	[[ $output == usage:\ bp-model* && $output == *"See bp-model(1)."* ]]
	[ -z "$stderr" ]
}

@test "bp-model: --version is one line" {
	run -0 bp-model --version
	[[ $output =~ ^bp-model\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "bp-model: usage errors exit 2" {
	run -2 --separate-stderr bp-model
	[[ $stderr == *"a command is required"* ]]
	run -2 --separate-stderr bp-model fly
	[[ $stderr == *"unknown command 'fly'"* ]]
	run -2 --separate-stderr bp-model list --bogus
	[[ $stderr == *"Try 'bp-model --help'."* ]]
	run -2 --separate-stderr bp-model promote
	[[ $stderr == *"promote takes 1 to 1 operands"* ]]
	run -2 --separate-stderr bp-model compare a
	[[ $stderr == *"compare takes 2 to 3 operands"* ]]
}

@test "bp-model: register, list, versions count per name" {
	reg gbdt n_estimators=3
	reg logreg
	bp-train -q --model gbdt --label label_up --params n_estimators=3 \
		--register other "$T"
	[ -f "$BARPIPE_HOME/models/up/1.json" ]
	[ -f "$BARPIPE_HOME/models/up/2.json" ]
	[ -f "$BARPIPE_HOME/models/other/1.json" ]
	run -0 bp-model list
	[ "${#lines[@]}" -eq 4 ]
	[[ ${lines[0]} == NAME*VERSION*STATUS*KIND*LABEL*CREATED*METRIC ]]
	[[ ${lines[1]} =~ ^other\ +1\ candidate\ +gbdt\ +label_up ]]
	[[ ${lines[3]} =~ ^up\ +2\ candidate\ +logreg\ +label_up\ .*logloss=0\.[0-9]{4}$ ]]
	run -0 bp-model list up --json
	[ "$(jq length <<<"$output")" = 2 ]
	# the stored sha256 is the artefact's
	[ "$(jq -r '.[0].sha256' <<<"$output")" = \
		"$(sha256sum "$BARPIPE_HOME/models/up/1.json" | cut -d' ' -f1)" ]
	run -0 sqlite3 "$BARPIPE_HOME/barpipe.db" \
		"SELECT name, version, kind, status, path FROM models ORDER BY id"
	[ "${lines[0]}" = "up|1|gbdt|candidate|models/up/1.json" ]
}

@test "bp-model: promote, parent, rollback, events" {
	reg gbdt n_estimators=3
	reg logreg
	bp-model -q promote up@1
	reg linear
	run -0 bp-model list up --json
	[ "$(jq -c '[.[] | [.version, .status, .parent]]' <<<"$output")" = \
		'[[1,"active",null],[2,"candidate",null],[3,"candidate",1]]' ]
	run -0 --separate-stderr bp-model promote up@2
	[ "$stderr" = "bp-model: up@2 is active" ]
	bp-model -q promote up@3
	run -1 --separate-stderr bp-model promote up@3
	[[ $stderr == *"version 3 is already active"* ]]
	run -0 --separate-stderr bp-model rollback up
	[ "$stderr" = "bp-model: up@2 is active again" ]
	run -0 bp-model show up
	[ "$(jq -c '[.version, .status]' <<<"$output")" = '[2,"active"]' ]
	bp-model -q rollback up
	run -0 bp-model list up --json
	[ "$(jq -c '[.[] | .status]' <<<"$output")" = \
		'["active","retired","retired"]' ]
	run -1 --separate-stderr bp-model rollback up
	[[ $stderr == *"no earlier active version to roll back to"* ]]
	run -0 sqlite3 "$BARPIPE_HOME/barpipe.db" \
		"SELECT action || ':' || version FROM model_events ORDER BY id"
	[ "$(echo $output)" = "promote:1 promote:2 promote:3 rollback:2 rollback:1" ]
}

@test "bp-model: show a version" {
	reg gbdt n_estimators=3
	run -1 --separate-stderr bp-model show up
	[[ $stderr == *"model 'up' has no active version (promote one"* ]]
	run -0 bp-model show up@1
	[ "$(jq -c '[.name, .version, .kind, .task, .training.train_rows,
		(.features | length), (.metrics.valid | has("auc"))]' \
		<<<"$output")" = '["up",1,"gbdt","binary",94,3,true]' ]
}

@test "bp-model: compare metrics side by side and on a stream" {
	reg gbdt n_estimators=20
	reg logreg
	run -0 bp-model compare up@1 up@2
	run -0 jq -c '[.a.kind, .b.kind, .metrics.set,
		(.metrics.auc.diff == .metrics.auc.b - .metrics.auc.a),
		has("predictions")]' <<<"$output"
	[ "$output" = '["gbdt","logreg","valid",true,false]' ]
	run -0 bp-model compare up@1 up@2 "$T"
	# logreg cannot score the 5 rows with a null feature; 3 rows of
	# the 115 have no label (2 null, and none missing)
	run -0 jq -c '.predictions | [.rows, .scored, .label, .a.n, .b.n,
		(.agreement > 0.5), (.correlation > 0.5)]' <<<"$output"
	[ "$output" = '[120,115,"label_up",113,113,true,true]' ]
	# a model file works as a reference, and stdin as the stream
	cp "$BARPIPE_HOME/models/up/1.json" one.json
	run -0 bash -c "bp-model compare one.json up@1 - <'$T' |
		jq -c '.predictions | [.agreement, .correlation]'"
	[ "$output" = '[1,1]' ]
	run -1 --separate-stderr bp-model compare up@1 up@9
	[[ $stderr == *"model 'up' has no version 9"* ]]
	jq -c 'del(.f_a)' "$T" >nofa.ndjson
	run -1 --separate-stderr bp-model compare up@1 up@2 nofa.ndjson
	[[ $stderr == *"nofa.ndjson:1: 'f_a' (a feature of the model) is missing"* ]]
}

@test "bp-model: rm refuses the active version without --force" {
	reg gbdt n_estimators=3
	reg gbdt n_estimators=4
	bp-model -q promote up@1
	run -1 --separate-stderr bp-model rm up@1
	[[ $stderr == *"version 1 is active; promote another version first or use --force"* ]]
	bp-model rm up@2
	[ ! -e "$BARPIPE_HOME/models/up/2.json" ]
	bp-model rm --force up@1
	[ ! -e "$BARPIPE_HOME/models/up/1.json" ]
	run -0 bp-model list --json
	[ "$output" = "[]" ]
	run -1 --separate-stderr bp-model rm up@1
	[[ $stderr == *"no model 'up'"* ]]
	run -1 --separate-stderr bp-model rm up
	[[ $stderr == *"'up': name a version (NAME@VERSION)"* ]]
	run -1 --separate-stderr bp-model show 'bad/name'
	[[ $stderr == *"is not a model name"* ]]
	# the version numbers go on after a removal
	reg gbdt n_estimators=3
	run -0 bp-model list --json
	[ "$(jq -c '[.[] | .version]' <<<"$output")" = '[3]' ]
}

@test "bp-model: --db points at another database; a bad one fails" {
	bp-train -q --model gbdt --label label_up --params n_estimators=3 \
		--register up --db other.db "$T"
	[ -f models/up/1.json ]
	run -0 bp-model list --db other.db --json
	[ "$(jq length <<<"$output")" = 1 ]
	run -0 bp-model list --json
	[ "$output" = "[]" ]
	echo junk >bad.db
	run -1 --separate-stderr bp-model list --db bad.db
	[[ $stderr == *bad.db* ]]
	run -1 --separate-stderr bash -c 'bp-model list --db other.db >/dev/full'
}

@test "bp-model: the man page's EXAMPLES run as written" {
	ln -s "$ROOT/data" data
	ln -s "$ROOT/strategies" strategies
	bp-fetch csv data/sample/BTCUSDT-1h.csv --symbol BTCUSDT |
		bp-features --spec strategies/rsi_gbdt.json -o btc.features.zst
	bp-train -q --spec strategies/rsi_gbdt.json --register btc btc.features.zst
	bp-train -q --spec strategies/rsi_gbdt.json --model logreg --params l2=1 \
		--register btc btc.features.zst
	run -0 bash -c "bp-model compare btc@1 btc@2 btc.features.zst |
		jq -c '{auc: .metrics.auc, agreement: .predictions.agreement}'"
	[[ $output == '{"auc":{"a":'* ]]
	bp-model promote btc@1
	run -0 bp-model list btc
	[ "${#lines[@]}" -eq 3 ]
	bp-model promote btc@2
	bp-model rollback btc
	run -0 bash -c "bp-model show btc | jq -c '{version, status, parent}'"
	[ "$output" = '{"version":1,"status":"active","parent":null}' ]
}
