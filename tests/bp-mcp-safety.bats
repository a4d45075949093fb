#!/usr/bin/env bats
# bp-mcp safety: shell metacharacters, ../ and absolute paths in every
# string argument of every shipped tool; symbolic links out of the
# workspace; no order-placing tool.
load helper
setup() {
	bp_setup
	TM=$FIX/mcp/manifest.json
	RM=$ROOT/mcp-shim/manifest.json
	WS=$BARPIPE_HOME/work
	mkdir -p "$WS/data" "$WS/strategies"
	cp "$SAMPLE/SPY-1d.csv" "$WS/data/x.csv"
	echo '{}' >"$WS/strategies/s1.json"
}

INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

# A valid value for each required argument of the shipped tools, so that a
# call fails (if at all) on the argument under attack.
VALID='{
	"symbol": "SPY", "symbols": ["SPY"], "timeframe": "1d",
	"input": "data/x.csv", "csv": "data/x.csv", "reference": "data/x.csv",
	"current": "data/x.csv", "label": "label_up", "name": "m1",
	"model": "m1", "a": "m1@1", "b": "m1@2", "task_id": "task-1",
	"run": 1, "category": "data", "content": "c", "spec": {}
}'

@test "safety: metacharacters, ../ and absolute paths in every string argument" {
	marker=$BATS_TEST_TMPDIR/pwned
	tmpmark=/tmp/bp-mcp-pwned-$$
	bp-mcp --manifest "$RM" >tools.json 2>/dev/null <<-EOF
	$INIT
	{"jsonrpc":"2.0","id":1,"method":"tools/list"}
	EOF
	jq -c 'select(.id == 1) | .result.tools[]' tools.json >tools
	[ "$(wc -l <tools)" -eq 26 ]
	# the attack strings (JSON), each aimed at both marker files
	jq -nc --arg m "$marker" --arg t "$tmpmark" '[
		"$(touch \($m))", "`touch \($m)`", "x; touch \($m)",
		"x | touch \($m)", "x && touch \($t)", "x\ntouch \($m)",
		"\u0027; touch \($t); \u0027", "\"; touch \($t); \"",
		"../../../..\($m)", "../x", "data/../../x", "..", "\($m)",
		"/etc/passwd", "~/x", "-rf", "--help", "x\u0000y",
		"$HOME", "${IFS}touch${IFS}\($t)", "data/x.csv\ntouch \($m)"
	]' >evil
	# one call per tool, string argument and attack string
	jq -c --argjson valid "$VALID" --slurpfile evil evil '
		. as $t
		| ($t.inputSchema.required // []) as $req
		| ($req | map({(.): $valid[.]}) | add // {}) as $base
		| $t.inputSchema.properties | to_entries[]
		| select(.value.type == "string" or .value.items.type == "string")
		| .key as $k | .value as $p
		| $evil[0][]
		| {name: $t.name,
		   arguments: ($base + {($k): (if $p.type == "array" then [.] else . end)})}
	' tools >calls
	n=$(wc -l <calls)
	[ "$n" -gt 500 ]
	touch stamp
	{
		echo "$INIT"
		awk '{ printf "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"tools/call\",\"params\":%s}\n", NR, $0 }' calls
	} | bp-mcp --manifest "$RM" >out 2>err
	# every call answered: a tool error, invalid params, or accepted
	[ "$(jq -c 'select(.id != 0)' out | wc -l)" -eq "$n" ]
	[ "$(jq -c 'select(.id != 0) | select(.result.isError != true and
		.result.isError != false and .error.code != -32602)' out | wc -l)" -eq 0 ]
	# accepted only where the argument is free text, kept as data
	jq -c 'select(.id != 0 and .result.isError == false)' out >accepted
	[ -s accepted ]
	jq -r '.result.structuredContent.run_id' accepted | while read -r run; do
		tool=$(bp-mcp journal run-get "$run" | jq -r .run.tool)
		case $tool in
		create_experiment|save_insight|search_insights) ;;
		*) echo "accepted: $tool (run $run)"; false ;;
		esac
	done
	# nothing escaped: no marker, no new file outside the workspace
	[ ! -e "$marker" ]
	[ ! -e "$tmpmark" ]
	find "$BATS_TEST_TMPDIR" -newer stamp -type f ! -path "$WS/*" \
		! -path "$BARPIPE_HOME/barpipe.db*" ! -name out ! -name err \
		! -name accepted ! -name new >new
	[ ! -s new ] || { cat new; false; }
	[ -z "$(find /tmp -maxdepth 1 -newer stamp -name '*pwned*')" ]
	# the free text arrived verbatim
	bp-mcp journal insight-search --query touch --limit 100 >found
	[ "$(jq '.count' found)" -gt 0 ]
	jq -r '.results[].content' found | grep -qF "\$(touch $marker)"
}

@test "safety: every string argument of every shipped tool is bound" {
	bp-mcp --manifest "$RM" >tools.json 2>/dev/null <<-EOF
	$INIT
	{"jsonrpc":"2.0","id":1,"method":"tools/list"}
	EOF
	# a string is bound by a pattern or enum, or is free text with a length
	# limit (free text only reaches pipelines as data, never as a path)
	jq -r 'select(.id == 1) | .result.tools[] | .name as $n
		| .inputSchema.properties | to_entries[]
		| select(.value.type == "string")
		| select((.value.pattern // .value.enum // .value.maxLength) == null)
		| "\($n).\(.key)"' tools.json >unbound
	[ ! -s unbound ] || { cat unbound; false; }
	# path arguments are patterns whose components cannot be . or ..
	jq -r 'select(.id == 1) | .result.tools[] | .inputSchema.properties[]
		| select(.description // "" | test("relative path inside the workspace"))
		| .pattern' tools.json | sort -u >patterns
	[ "$(wc -l <patterns)" -eq 1 ]
	[ "$(cat patterns)" = '^[A-Za-z0-9_][A-Za-z0-9_.-]*(/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$' ]
}

@test "safety: symbolic links cannot lead out of the workspace" {
	mkdir -p outside "$WS/in"
	echo secret >outside/f.txt
	ln -s "$BATS_TEST_TMPDIR/outside" "$WS/evil"
	ln -s "$BATS_TEST_TMPDIR/outside/f.txt" "$WS/evil.txt"
	ln -s in "$WS/good"
	ln -s "$BATS_TEST_TMPDIR/outside/none" "$WS/dangling"
	{
		echo "$INIT"
		echo '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_file","arguments":{"output":"evil/x.txt","text":"pwned"}}}'
		echo '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"read_file","arguments":{"input":"evil.txt"}}}'
		echo '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"write_file","arguments":{"output":"evil.txt","text":"pwned"}}}'
		echo '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"write_file","arguments":{"output":"dangling","text":"pwned"}}}'
		echo '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"write_file","arguments":{"output":"good/ok.txt","text":"fine"}}}'
		echo '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"write_file","arguments":{"output":"new/deeper/ok.txt","text":"fine"}}}'
		echo '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"write_file","arguments":{"output":"evil/new/x.txt","text":"pwned"}}}'
	} | bp-mcp --manifest "$TM" >out 2>err
	for id in 1 2 3 4 7; do
		[ "$(jq --argjson id $id 'select(.id == $id) | .result.isError' out)" = true ]
	done
	jq -r 'select(.id == 1) | .result.content[0].text' out | grep -q "leads outside the workspace"
	jq -r 'select(.id == 4) | .result.content[0].text' out | grep -q "dangling symbolic link"
	[ "$(cat outside/f.txt)" = secret ]
	[ "$(ls outside)" = f.txt ]
	[ "$(jq 'select(.id == 5) | .result.isError' out)" = false ]
	[ "$(jq 'select(.id == 6) | .result.isError' out)" = false ]
	[ "$(cat "$WS/in/ok.txt")" = fine ]
	[ "$(cat "$WS/new/deeper/ok.txt")" = fine ]
}

@test "safety: paths are checked even when a schema pattern would allow them" {
	{
		echo "$INIT"
		echo '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"write_file","arguments":{"output":"a/../../x","text":"t"}}}'
	} | bp-mcp --manifest "$TM" >out 2>err
	# the test manifest's pattern forbids it; with a looser one the path
	# check still refuses: see test-sandbox for bp_sandbox_path itself
	[ "$(jq 'select(.id == 1) | .result.isError' out)" = true ]
	[ ! -e "$BATS_TEST_TMPDIR/home/x" ]
}

@test "safety: no tool places, modifies or cancels orders" {
	run -0 grep -ciE 'order|broker|exchange api|place_|buy|sell' "$RM"
	# only descriptions saying so, never a tool
	run -0 jq -r '.tools[].name' "$RM"
	! grep -qiE 'order|trade|buy|sell|broker|position' <<<"$output"
	# pipelines use bp-* tools and standard utilities: no network clients
	! grep -nE '(^|[|;&(`]|\$\()[[:space:]]*(curl|wget|nc|ncat|socat|ssh|scp|telnet|python3?|perl|ruby|node)([[:space:]]|$)' "$ROOT"/pipelines/mcp/*.sh
}
