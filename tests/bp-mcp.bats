#!/usr/bin/env bats
# bp-mcp: the MCP server over raw JSON-RPC on stdio (protocol, tools,
# resources, prompts, tasks, the run journal, robustness).  The safety
# suite is bp-mcp-safety.bats; the SDK client drives it in bp-mcp-sdk.bats.
load helper
setup() {
	bp_setup
	TM=$FIX/mcp/manifest.json
	RM=$ROOT/mcp-shim/manifest.json
}

INIT='{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}'

# init VERSION: an initialize request asking for VERSION
init() {
	printf '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},"clientInfo":{"name":"bats","version":"1"}}}\n' "$1"
}

# call ID TOOL ARGS-JSON: a tools/call request line
call() {
	printf '{"jsonrpc":"2.0","id":%s,"method":"tools/call","params":{"name":"%s","arguments":%s}}\n' "$1" "$2" "$3"
}

# mcp [OPTIONS]: bp-mcp on the test manifest, stdin -> out, stderr -> err
mcp() {
	bp-mcp --manifest "$TM" "$@" >out 2>err
}

# reply ID: the message answering ID (an exact JSON value); a line still
# being written is skipped
reply() {
	jq -cR --argjson id "$1" 'fromjson? | select(type == "object" and has("id") and .id == $id)' out
}

# start [OPTIONS]: bp-mcp (on $MANIFEST, default the test manifest) in
# the background, its input on fd 7; send LINE, await ID, stop.  For
# sessions whose later requests depend on earlier answers.
start() {
	mkfifo in
	bp-mcp --manifest "${MANIFEST:-$TM}" "$@" <in >out 2>err &
	MCP_PID=$!
	exec 7>in
}
send() {
	printf '%s\n' "$1" >&7
}
await() {
	for _ in $(seq 1200); do
		[ -n "$(reply "$1")" ] && return 0
		sleep 0.05
	done
	echo "no answer to $1"
	return 1
}
# await_file FILE: wait until FILE exists and is not empty
await_file() {
	for _ in $(seq 1200); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	echo "no $1"
	return 1
}
stop() {
	exec 7>&-
	wait "$MCP_PID"
}

# gone PID: the process has ended (gone, or a zombie nobody reaped yet)
gone() {
	local st
	for _ in $(seq 30); do
		st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
		[[ $st == Z* ]] && return 0
		sleep 0.1
	done
	echo "process $1 is still running ($st)"
	return 1
}

# result ID FILTER: jq FILTER applied to the result of ID
result() {
	reply "$1" | jq -r ".result | $2"
}

@test "bp-mcp: --help on stdout, exit 0" {
	run -0 --separate-stderr bp-mcp --help
	[[ $output == usage:\ bp-mcp* ]]
	[[ $output == *--max-jobs* ]]
	[ -z "$stderr" ]
}

@test "bp-mcp: --version is one line" {
	run -0 bp-mcp --version
	[[ $output =~ ^bp-mcp\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "bp-mcp: unknown option and bad values are usage errors" {
	run -2 --separate-stderr bp-mcp --bogus
	[[ $stderr == *"unknown option '--bogus'"* ]]
	[[ $stderr == *"Try 'bp-mcp --help'."* ]]
	run -2 --separate-stderr bp-mcp --max-jobs 0
	[[ $stderr == *"--max-jobs: '0' is not an integer in [1, 256]"* ]]
	run -2 --separate-stderr bp-mcp --timeout abc
	[[ $stderr == *"--timeout"* ]]
	run -2 --separate-stderr bp-mcp extra
	[[ $stderr == *"unexpected argument 'extra'"* ]]
}

@test "bp-mcp: a missing or broken manifest is named, exit 1" {
	run -1 --separate-stderr bp-mcp --manifest nope.json </dev/null
	[[ $stderr == *"nope.json"* ]]
	echo '{"format":"barpipe-mcp-manifest","version":1,"tools":[{"name":"x","description":"d","pipeline":"missing.sh","inputSchema":{"type":"object"},"outputSchema":{"type":"object"}}]}' >m.json
	run -1 --separate-stderr bp-mcp --manifest m.json </dev/null
	[[ $stderr == *"tool 'x': pipeline"*"missing.sh"* ]]
	echo '{"format":"barpipe-mcp-manifest","version":1,"tools":[{"name":"x","description":"d","internal":"cancel_task","inputSchema":{"type":"object","properties":{"a":{"type":"string","pattern":"[a-z]"}}},"outputSchema":{"type":"object"}}]}' >m.json
	run -1 --separate-stderr bp-mcp --manifest m.json </dev/null
	[[ $stderr == *"pattern must be anchored"* ]]
	echo '{"format":"barpipe-mcp-manifest","version":1,"tools":[{"name":"x","description":"d","internal":"cancel_task","inputSchema":{"type":"object","oneOf":[]},"outputSchema":{"type":"object"}}]}' >m.json
	run -1 --separate-stderr bp-mcp --manifest m.json </dev/null
	[[ $stderr == *"unsupported keyword 'oneOf'"* ]]
}

@test "bp-mcp: --check validates the shipped manifest" {
	run -0 bp-mcp --check --manifest "$RM"
	[[ $output == *"26 tools, 2 prompts: ok"* ]]
}

@test "initialize: supported versions are echoed, others get the latest" {
	for v in 2025-11-25 2025-06-18 2025-03-26 2024-11-05 1999-01-01 2030-01-01; do
		init "$v" | mcp
		want=$v
		case $v in 1999-*|2030-*) want=2025-11-25 ;; esac
		[ "$(result 0 .protocolVersion)" = "$want" ]
		[ "$(result 0 .serverInfo.name)" = barpipe-test ]
		result 0 '.capabilities | keys | join(",")' >caps
		[ "$(cat caps)" = "logging,prompts,resources,tools" ]
		# instructions came with 2025-03-26
		[ "$(result 0 'has("instructions")')" = "$([ "$want" = 2024-11-05 ] && echo false || echo true)" ]
	done
}

@test "initialize: missing protocolVersion is invalid params; twice is invalid" {
	{
		echo '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}'
		echo "$INIT"
		echo "$INIT" | sed 's/"id":0/"id":2/'
	} | mcp
	[ "$(reply 1 | jq .error.code)" = -32602 ]
	[ "$(result 0 .protocolVersion)" = 2025-11-25 ]
	[ "$(reply 2 | jq .error.code)" = -32600 ]
}

@test "lifecycle: only ping is answered before initialize" {
	{
		echo '{"jsonrpc":"2.0","id":1,"method":"ping"}'
		echo '{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
		echo "$INIT"
		echo '{"jsonrpc":"2.0","method":"notifications/initialized"}'
		echo '{"jsonrpc":"2.0","id":3,"method":"tools/list"}'
	} | mcp
	[ "$(reply 1 | jq -c .result)" = '{}' ]
	[ "$(reply 2 | jq .error.code)" = -32600 ]
	[ "$(result 3 '.tools | length')" -gt 5 ]
}

@test "ids keep their type: 0, negative, large, strings" {
	{
		echo "$INIT"
		echo '{"jsonrpc":"2.0","id":-7,"method":"ping"}'
		echo '{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}'
		echo '{"jsonrpc":"2.0","id":"0","method":"ping"}'
		echo '{"jsonrpc":"2.0","id":"a b \"c\"","method":"ping"}'
		echo '{"jsonrpc":"2.0","id":"","method":"ping"}'
	} | mcp
	[ "$(wc -l <out)" -eq 6 ]
	# the numeric 0 and the string "0" are different ids
	grep -c '"id":0,' out | grep -qx 1
	grep -q '"id":"0","result":{}' out
	grep -q '"id":-7,"result":{}' out
	grep -q '"id":9007199254740993,"result":{}' out
	grep -q '"id":"a b \\"c\\"","result":{}' out
	grep -q '"id":"","result":{}' out
}

@test "notifications never get a response" {
	{
		echo "$INIT"
		echo '{"jsonrpc":"2.0","method":"notifications/initialized"}'
		echo '{"jsonrpc":"2.0","method":"notifications/unknown","params":{}}'
		echo '{"jsonrpc":"2.0","method":"tools/list"}'
		echo '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":99}}'
		echo '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":1,"progress":1}}'
		echo '{"jsonrpc":"2.0","id":1,"result":{}}'
	} | mcp
	[ "$(wc -l <out)" -eq 1 ]
	[ "$(reply 0 | jq -r .result.protocolVersion)" = 2025-11-25 ]
}

@test "parse error: -32700 with id null, and the server keeps running" {
	{
		echo "$INIT"
		echo '{"jsonrpc":"2.0","id":1,"method":"ping"'
		echo 'not json at all'
		printf '{"jsonrpc":"2.0","id":2,"method":"ping","x":"\xff\xfe"}\n'
		echo '{"jsonrpc":"2.0","id":3,"id":4,"method":"ping"}'
		echo '{"jsonrpc":"2.0","id":5,"method":"ping"}'
	} | mcp
	[ "$(jq -c 'select(.error.code == -32700) | .id' out | sort -u)" = null ]
	[ "$(jq -c 'select(.error.code == -32700)' out | wc -l)" -eq 4 ]
	[ "$(reply 5 | jq -c .result)" = '{}' ]
}

@test "invalid request: -32600 for messages that are not JSON-RPC 2.0 requests" {
	{
		echo "$INIT"
		echo '{"id":1,"method":"ping"}'
		echo '{"jsonrpc":"1.0","id":2,"method":"ping"}'
		echo '{"jsonrpc":"2.0","id":3,"method":42}'
		echo '{"jsonrpc":"2.0","id":3.5,"method":"ping"}'
		echo '{"jsonrpc":"2.0","id":null,"method":"ping"}'
		echo '{"jsonrpc":"2.0","id":{"a":1},"method":"ping"}'
		echo '{"jsonrpc":"2.0","id":true,"method":"ping"}'
		echo '{"jsonrpc":"2.0","id":4,"method":"ping","params":"x"}'
		echo '{"jsonrpc":"2.0","id":5}'
		echo '42'
		echo '"ping"'
		echo '[]'
		echo '{}'
	} | mcp
	[ "$(jq -c 'select(.error.code == -32600)' out | wc -l)" -eq 13 ]
	# ids that could be read come back; the others are null
	[ "$(reply 2 | jq .error.code)" = -32600 ]
	[ "$(reply 4 | jq .error.code)" = -32600 ]
	[ "$(reply 5 | jq .error.code)" = -32600 ]
	[ "$(jq -c 'select(.error.code == -32600 and .id == null)' out | wc -l)" -eq 8 ]
}

@test "method not found: -32601" {
	{
		echo "$INIT"
		echo '{"jsonrpc":"2.0","id":1,"method":"tools/nope"}'
		echo '{"jsonrpc":"2.0","id":2,"method":"sampling/createMessage","params":{}}'
		echo '{"jsonrpc":"2.0","id":3,"method":"ping"}'
	} | mcp
	[ "$(reply 1 | jq .error.code)" = -32601 ]
	[ "$(reply 1 | jq -r .error.message)" = "method not found: 'tools/nope'" ]
	[ "$(reply 2 | jq .error.code)" = -32601 ]
	[ "$(reply 3 | jq -c .result)" = '{}' ]
}

@test "invalid params: -32602 for malformed params of known methods" {
	{
		echo "$INIT"
		echo '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}'
		echo '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"no_such_tool"}}'
		echo '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo_args","arguments":[1]}}'
		echo '{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{}}'
		echo '{"jsonrpc":"2.0","id":5,"method":"logging/setLevel","params":{"level":"loud"}}'
		echo '{"jsonrpc":"2.0","id":6,"method":"prompts/get","params":{"name":"nope"}}'
		echo '{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"x"}}'
		echo '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":[1,2]}'
	} | mcp
	for id in 1 2 3 4 5 6 7 8; do
		[ "$(reply $id | jq .error.code)" = -32602 ]
	done
	[ "$(reply 2 | jq -r .error.message)" = "unknown tool 'no_such_tool'" ]
}

@test "invalid arguments: a tool error from 2025-11-25, -32602 before" {
	{
		echo "$INIT"
		call 1 echo_args '{"symbol":"btc"}'
		call 2 echo_args '{"n":11}'
		call 3 echo_args '{"bogus":1}'
		call 4 echo_args '{"mode":"c"}'
		call 5 echo_args '{"list":["a","b","c","d"]}'
		call 6 echo_args '{"n":"3"}'
	} | mcp
	for id in 1 2 3 4 5 6; do
		[ "$(result $id .isError)" = true ]
	done
	[[ $(result 1 '.content[0].text') == *"'symbol': \"btc\" does not match ^[A-Z0-9._-]{1,20}\$"* ]]
	[[ $(result 2 '.content[0].text') == *"'n': 11 is greater than the maximum 10"* ]]
	[[ $(result 3 '.content[0].text') == *"unknown property 'bogus'"* ]]
	[[ $(result 4 '.content[0].text') == *"not one of"* ]]
	[[ $(result 5 '.content[0].text') == *"more than 3 items"* ]]
	[[ $(result 6 '.content[0].text') == *"is not of type integer"* ]]
	{ init 2025-06-18; call 1 echo_args '{"symbol":"btc"}'; } | mcp
	[ "$(reply 1 | jq .error.code)" = -32602 ]
	[ "$(reply 1 | jq -r .error.data.tool)" = echo_args ]
}

@test "tools/list: every tool with its schemas; older versions without outputSchema" {
	{ echo "$INIT"; echo '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'; } | mcp
	[ "$(result 1 '.tools | length')" -eq 13 ]
	[ "$(result 1 '[.tools[] | select(.inputSchema.type != "object")] | length')" -eq 0 ]
	[ "$(result 1 '[.tools[] | select(.outputSchema.type != "object")] | length')" -eq 0 ]
	# every result carries its run id, declared in the outputSchema
	[ "$(result 1 '[.tools[] | select(.outputSchema.properties.run_id.type == "integer")] | length')" -eq 13 ]
	{ init 2024-11-05; echo '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'; } | mcp
	[ "$(result 1 '[.tools[] | select(has("outputSchema") or has("title"))] | length')" -eq 0 ]
}

@test "tools/list: the shipped manifest has every tool of the issue" {
	bp-mcp --manifest "$RM" >out 2>err <<-EOF
	$INIT
	{"jsonrpc":"2.0","id":1,"method":"tools/list"}
	EOF
	result 1 '[.tools[].name] | sort | join(" ")' >names
	[ "$(cat names)" = "batch_generate cancel_task check_model_drift cleanup_old_data compare_models create_experiment create_strategy cross_validate fetch_ohlcv generate_signal get_model_info get_run get_strategy_schema get_task_status list_cached_data list_experiments list_models list_strategies process_features promote_model rollback_model run_backtest save_insight search_insights train_model validate_data" ]
	# descriptions are written for the assistant: an example and what comes next
	[ "$(result 1 '[.tools[] | select((.description | test("Example")) and (.description | test("Next")))] | length')" -eq 26 ]
	# nothing that places, changes or cancels orders
	[ "$(result 1 '[.tools[] | select(.name | test("order|trade|buy|sell|broker"))] | length')" -eq 0 ]
}

@test "tools/call: structured result, the same JSON as text, and a run id" {
	{ echo "$INIT"; call 1 echo_args '{"symbol":"BTCUSDT","x":1.5,"list":["ab","c"],"obj":{"k":[1,2]}}'; } | mcp
	[ "$(result 1 .isError)" = false ]
	[ "$(result 1 '.content[0].type')" = text ]
	[ "$(result 1 '.content[0].text | fromjson == .structuredContent')" = false ] || true
	reply 1 | jq -e '.result | (.content[0].text | fromjson) == .structuredContent'
	[ "$(result 1 .structuredContent.args.BP_ARG_SYMBOL)" = BTCUSDT ]
	[ "$(result 1 .structuredContent.args.BP_ARG_X)" = 1.5 ]
	[ "$(result 1 .structuredContent.args.BP_ARG_N)" = 3 ]
	[ "$(result 1 .structuredContent.args.BP_ARG_FLAG)" = false ]
	[ "$(result 1 .structuredContent.args.BP_ARG_LIST)" = "$(printf 'ab\nc')" ]
	[ "$(result 1 .structuredContent.args.BP_ARG_OBJ)" = '{"k":[1,2]}' ]
	[ "$(result 1 .structuredContent.cwd)" = "$(cd "$BARPIPE_HOME/work" && pwd -P)" ]
	[ "$(result 1 .structuredContent.run_id)" = 1 ]
	# 2024-11-05 has no structuredContent: the text carries it
	{ init 2024-11-05; call 1 echo_args '{}'; } | mcp
	[ "$(result 1 'has("structuredContent")')" = false ]
	[ "$(result 1 '.content[0].text | fromjson | .run_id')" = 2 ]
}

@test "tools/call: a failed pipeline is isError with its stderr tail" {
	{ echo "$INIT"; call 1 fail_tool '{}'; call 2 fail_tool '{"fail":false}'; } | mcp
	[ "$(result 1 .isError)" = true ]
	[ "$(result 1 'has("structuredContent")')" = false ]
	[[ $(result 1 '.content[0].text') == *"fail_tool failed (exit status 1)"* ]]
	[[ $(result 1 '.content[0].text') == *"fail_tool: data/x.csv:3: 'close' is not a number"* ]]
	[[ $(result 1 '.content[0].text') == *"get_run"* ]]
	[ "$(result 2 .isError)" = false ]
}

@test "tools/call: output that is not the declared result is isError" {
	{ echo "$INIT"; call 1 bad_output '{"kind":"text"}'; call 2 bad_output '{"kind":"schema"}'; } | mcp
	[[ $(result 1 '.content[0].text') == *"output is not one JSON object"* ]]
	[[ $(result 2 '.content[0].text') == *"does not match the tool's outputSchema: 'count': \"three\" is not of type integer"* ]]
}

@test "tools/call: a program that is not installed gives a clean error" {
	{ echo "$INIT"; call 1 missing_prog '{}'; echo '{"jsonrpc":"2.0","id":2,"method":"ping"}'; } | mcp
	[ "$(result 1 .isError)" = true ]
	[[ $(result 1 '.content[0].text') == *"needs the program 'bp-does-not-exist', which is not installed"* ]]
	[ "$(reply 2 | jq -c .result)" = '{}' ]
}

@test "concurrency: requests in flight are answered by id as they finish" {
	{
		echo "$INIT"
		call 1 sleep_tool '{"seconds":1.5}'
		call 2 sleep_tool '{"seconds":0.1}'
		echo '{"jsonrpc":"2.0","id":3,"method":"ping"}'
	} | mcp
	# ping first, then the short call, then the long one
	jq -c .id out | tr '\n' ' ' >order
	[ "$(cat order)" = "0 3 2 1 " ]
	[ "$(result 1 .structuredContent.slept)" = 1.5 ]
}

@test "concurrency: --max-jobs 1 runs one pipeline at a time, in order" {
	{
		echo "$INIT"
		call 1 sleep_tool '{"seconds":0.6}'
		call 2 sleep_tool '{"seconds":0.1}'
	} | mcp --max-jobs 1
	jq -c .id out | tr '\n' ' ' >order
	[ "$(cat order)" = "0 1 2 " ]
}

@test "concurrency: an id already in flight is refused" {
	{ echo "$INIT"; call 1 sleep_tool '{"seconds":0.3}'; call 1 echo_args '{}'; } | mcp
	[ "$(jq -c 'select(.id == 1 and .error.code == -32600)' out | wc -l)" -eq 1 ]
	[ "$(jq -c 'select(.id == 1 and .result.structuredContent.slept == 0.3)' out | wc -l)" -eq 1 ]
}

@test "cancellation: the pipeline group is killed and no response is sent" {
	start --kill-grace 1
	send "$INIT"
	send "$(call 1 sleep_tool '{"seconds":30}')"
	await_file "$BARPIPE_HOME/work/sleep-1.pid"
	send '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1,"reason":"user"}}'
	send '{"jsonrpc":"2.0","id":2,"method":"ping"}'
	await 2
	stop
	[ "$(reply 1)" = "" ]
	[ "$(reply 2 | jq -c .result)" = '{}' ]
	pid=$(cat "$BARPIPE_HOME/work/sleep-1.pid")
	gone "$pid"
	[ "$(sqlite3 "$BARPIPE_HOME/barpipe.db" "select json_extract(result, '$.status') from runs where id = 1")" = cancelled ]
}

@test "timeout: the whole pipeline is killed at the deadline" {
	{ echo "$INIT"; call 1 sleep_tool '{"seconds":30}'; } | mcp --timeout 0.5
	[ "$(result 1 .isError)" = true ]
	[[ $(result 1 '.content[0].text') == *"sleep_tool timed out after 0.5 s; the whole pipeline was killed"* ]]
	pid=$(cat "$BARPIPE_HOME/work/sleep-1.pid")
	gone "$pid"
	[ "$(sqlite3 "$BARPIPE_HOME/barpipe.db" "select json_extract(result, '$.status') from runs where id = 1")" = timeout ]
}

@test "output cap: a pipeline writing too much is stopped" {
	{ echo "$INIT"; call 1 big_output '{"bytes":5000000}'; call 2 big_output '{"bytes":1000}'; } | mcp --max-output 100000
	[[ $(result 1 '.content[0].text') == *"wrote more than 100000 bytes of output; the pipeline was killed"* ]]
	# blanks before the JSON object are fine
	[ "$(result 2 .isError)" = false ]
}

@test "processes: nothing a pipeline leaves in the background survives it" {
	{ echo "$INIT"; call 1 orphan '{}'; } | mcp
	pid=$(cat "$BARPIPE_HOME/work/orphan.pid")
	[ -n "$pid" ]
	gone "$pid"
}

@test "limits: own process group, rlimits, stdin from /dev/null" {
	{ echo "$INIT"; call 1 limits '{}'; } | mcp --cpu-limit 7 --mem-limit 300 --file-limit 5
	[ "$(result 1 .structuredContent.cpu)" = 7 ]
	[ "$(result 1 .structuredContent.as)" = $((300 * 1024)) ]
	[ "$(result 1 .structuredContent.fsize)" = $((5 * 1024 * 1024 / 1024)) ]
	[ "$(result 1 .structuredContent.core)" = 0 ]
	[ "$(result 1 .structuredContent.pgid)" = "$(result 1 .structuredContent.pid)" ]
	[ "$(result 1 .structuredContent.stdin)" = /dev/null ]
}

@test "limits: a private network namespace where the kernel allows one" {
	unshare -rn true 2>/dev/null || unshare -n true 2>/dev/null ||
		skip "no network namespaces here"
	{ echo "$INIT"; call 1 limits '{}'; } | mcp
	[ "$(result 1 .structuredContent.net)" = "lo " ]
	{ echo "$INIT"; call 1 limits '{}'; } | mcp --allow-network
	[ "$(result 1 .structuredContent.net)" != "lo " ]
}

@test "limits: CPU time and memory limits stop a runaway pipeline" {
	{ echo "$INIT"; call 1 hog '{"what":"cpu"}'; call 2 hog '{"what":"mem"}'; } | mcp --cpu-limit 1 --mem-limit 200
	[ "$(result 1 .isError)" = true ]
	# SIGXCPU (24) or SIGKILL at the hard limit
	[[ $(result 1 '.content[0].text') =~ exit\ status\ (152|137) ]]
	[ "$(result 2 .isError)" = true ]
}

@test "circuit breaker: K failures in a row suspend a tool for a cool-down" {
	start --breaker-failures 2 --breaker-cooldown 1
	send "$INIT"
	send "$(call 1 fail_tool '{}')"; await 1
	send "$(call 2 fail_tool '{}')"; await 2
	send "$(call 3 fail_tool '{"fail":false}')"; await 3
	send "$(call 4 echo_args '{}')"; await 4
	sleep 1.1	# the cool-down
	send "$(call 5 fail_tool '{"fail":false}')"; await 5
	send "$(call 6 fail_tool '{}')"; await 6
	send "$(call 7 fail_tool '{}')"; await 7
	send "$(call 8 fail_tool '{"fail":false}')"; await 8
	stop
	[[ $(result 3 '.content[0].text') == *"fail_tool is refused for 1 more s: it failed 2 times in a row (circuit breaker)"* ]]
	[ "$(result 4 .isError)" = false ]
	# after the cool-down it is tried again; a success resets it
	[ "$(result 5 .isError)" = false ]
	[ "$(result 6 .isError)" = true ]
	[[ $(result 7 '.content[0].text') == *"fail_tool failed (exit status 1)"* ]]
	[[ $(result 8 '.content[0].text') == *"circuit breaker"* ]]
}

@test "progress: notifications for a progressToken, increasing, before the answer" {
	{
		echo "$INIT"
		echo '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"sleep_tool","arguments":{"seconds":0.5},"_meta":{"progressToken":"p-1"}}}'
		call 2 sleep_tool '{"seconds":0.2}'
	} | mcp
	jq -c 'select(.method == "notifications/progress") | .params' out >progress
	[ "$(wc -l <progress)" -ge 3 ]
	[ "$(jq -r .progressToken progress | sort -u)" = p-1 ]
	# strictly increasing progress values
	jq -s -e '[.[].progress] as $p | [range(1; $p | length) | $p[.] > $p[. - 1]] | all' progress
	[ "$(tail -n1 progress | jq -c '[.progress, .total]')" = "[5,5]" ]
	# the answer comes after the last notification
	last_note=$(grep -n notifications/progress out | tail -n1 | cut -d: -f1)
	answer=$(grep -n '"id":1,' out | cut -d: -f1)
	[ "$answer" -gt "$last_note" ]
}

@test "logging: notifications/message once the client sets a level" {
	start
	send "$INIT"
	send "$(call 1 echo_args '{}')"; await 1
	send '{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"info"}}'
	send "$(call 3 echo_args '{}')"; await 3
	stop
	[ "$(reply 2 | jq -c .result)" = '{}' ]
	jq -c 'select(.method == "notifications/message") | .params' out >logs
	[ "$(wc -l <logs)" -eq 1 ]
	[ "$(jq -r .level logs)" = info ]
	[ "$(jq -r .data.event logs)" = call_finished ]
	[ "$(jq -r .data.run_id logs)" = 2 ]
}

@test "batches: answered as one array in 2025-03-26, refused otherwise" {
	{
		init 2025-03-26
		echo '[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo_args","arguments":{}}},{"jsonrpc":"2.0","id":3,"method":"nope"},5]'
		echo '[{"jsonrpc":"2.0","method":"notifications/initialized"}]'
	} | mcp
	[ "$(wc -l <out)" -eq 2 ]
	tail -n1 out | jq -e 'type == "array" and length == 4'
	tail -n1 out | jq -e '[.[] | select(.id == 2) | .result.isError] == [false]'
	tail -n1 out | jq -e '[.[] | select(.id == 3) | .error.code] == [-32601]'
	tail -n1 out | jq -e '[.[] | select(.id == null) | .error.code] == [-32600]'
	{ echo "$INIT"; echo '[{"jsonrpc":"2.0","id":1,"method":"ping"}]'; } | mcp
	[ "$(jq -c 'select(.id == null) | .error.code' out)" = -32600 ]
}

@test "robustness: a 1 MiB request works; --max-line refuses longer ones" {
	pad=$(head -c 1048576 /dev/zero | tr '\0' x)
	text=$(head -c 99000 /dev/zero | tr '\0' y)
	{
		echo "$INIT"
		printf '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"pad":"%s"}}}\n' "$pad"
		call 2 echo_args "{\"text\":\"$text\"}"
		call 3 echo_args "{\"text\":\"$pad\"}"
	} | mcp
	[ "$(reply 1 | jq -c .result)" = '{}' ]
	[ "$(result 2 '.structuredContent.args.BP_ARG_TEXT | length')" -eq 99000 ]
	[[ $(result 3 '.content[0].text') == *"'text': is longer than 100000 characters"* ]]
	{
		echo "$INIT"
		printf '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"pad":"%s"}}}\n' "$pad"
		echo '{"jsonrpc":"2.0","id":2,"method":"ping"}'
	} | mcp --max-line 65536
	[ "$(jq -c 'select(.id == null) | .error.code' out)" = -32600 ]
	[[ $(jq -r 'select(.id == null) | .error.message' out) == *"longer than 65536 bytes"* ]]
	[ "$(reply 2 | jq -c .result)" = '{}' ]
}

@test "robustness: EOF in the middle of a request; the server exits cleanly" {
	run -0 --separate-stderr bash -c "printf '%s\n%s' '$INIT' '{\"jsonrpc\":\"2.0\",\"id\":1,\"meth' | bp-mcp --manifest '$TM'"
	[ "$(echo "$output" | wc -l)" -eq 2 ]
	[ "$(echo "$output" | tail -n1 | jq .error.code)" = -32700 ]
	# a whole request without its final newline is still answered
	run -0 --separate-stderr bash -c "printf '%s\n%s' '$INIT' '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}' | bp-mcp --manifest '$TM'"
	[ "$(echo "$output" | tail -n1)" = '{"jsonrpc":"2.0","id":1,"result":{}}' ]
}

@test "robustness: EOF with calls in flight leaves no process behind" {
	start --drain-timeout 0.3
	send "$INIT"
	send "$(call 1 sleep_tool '{"seconds":30}')"
	send "$(call 2 slow_task '{"seconds":30}')"
	await_file "$BARPIPE_HOME/work/sleep-1.pid"
	await_file "$BARPIPE_HOME/work/sleep-2.pid"
	stop
	pid=$(cat "$BARPIPE_HOME/work/sleep-1.pid")
	tpid=$(cat "$BARPIPE_HOME/work/sleep-2.pid")
	gone "$pid"
	gone "$tpid"
	[[ $(result 1 '.content[0].text') == *"was cancelled: bp-mcp's input ended and the drain time ran out"* ]]
	[ "$(sqlite3 "$BARPIPE_HOME/barpipe.db" "select status from tasks where id = 'task-2'")" = cancelled ]
}

@test "robustness: at end of input running calls finish and are answered" {
	{ echo "$INIT"; call 1 sleep_tool '{"seconds":0.5}'; } | mcp
	[ "$(result 1 .structuredContent.slept)" = 0.5 ]
}

@test "robustness: SIGTERM stops the server and its pipelines" {
	start --kill-grace 0.2
	send "$INIT"
	send "$(call 1 sleep_tool '{"seconds":30}')"
	await_file "$BARPIPE_HOME/work/sleep-1.pid"
	pid=$(cat "$BARPIPE_HOME/work/sleep-1.pid")
	kill -0 "$pid"
	kill -TERM "$MCP_PID"
	wait "$MCP_PID"
	exec 7>&-
	gone "$pid"
	# nothing of its process group is left running (zombies are dead)
	for _ in $(seq 20); do
		left=$(ps -eo pgid=,stat= | awk -v g="$pid" '$1 == g && $2 !~ /^Z/')
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -z "$left" ]
}

@test "tasks: a long tool returns a task id at once; status, result, cancel" {
	start
	send "$INIT"
	send "$(call 1 slow_task '{"seconds":0.3}')"
	send "$(call 2 slow_task '{"seconds":30}')"
	await 1
	await 2
	await_file "$BARPIPE_HOME/work/sleep-2.pid"
	for _ in $(seq 600); do
		[ "$(bp-mcp journal task-get task-1 | jq -r .status)" = done ] && break
		sleep 0.05
	done
	send "$(call 3 cancel_task '{"task_id":"task-2"}')"; await 3
	send "$(call 4 cancel_task '{"task_id":"task-1"}')"; await 4
	send "$(call 5 cancel_task '{"task_id":"task-999"}')"; await 5
	stop
	[ "$(result 1 .structuredContent.task_id)" = task-1 ]
	[[ $(result 1 .structuredContent.status) =~ ^(queued|running)$ ]]
	[ "$(result 2 .structuredContent.task_id)" = task-2 ]
	[ "$(result 3 .structuredContent.status)" = cancelled ]
	[ "$(result 4 .structuredContent.status)" = done ]
	[ "$(result 4 .structuredContent.message)" = "the task had already finished" ]
	[ "$(result 5 .isError)" = true ]
	[[ $(result 5 '.content[0].text') == *"no task 'task-999'"* ]]
	# the state lives in the database, after the call and the server
	run -0 bp-mcp journal task-get task-1
	[ "$(echo "$output" | jq -r .status)" = done ]
	[ "$(echo "$output" | jq -r .result.slept)" = 0.3 ]
	[ "$(echo "$output" | jq -r .progress)" = 1 ]
	run -0 bp-mcp journal task-get task-2
	[ "$(echo "$output" | jq -r .status)" = cancelled ]
	pid=$(cat "$BARPIPE_HOME/work/sleep-2.pid")
	gone "$pid"
}

@test "tasks: progress of a running task is kept in the tasks table" {
	start --drain-timeout 0
	send "$INIT"
	send "$(call 1 slow_task '{"seconds":30}')"
	await 1
	for _ in $(seq 600); do
		run -0 bp-mcp journal task-get task-1
		echo "$output" | jq -e '.progress > 0' >/dev/null && break
		sleep 0.05
	done
	stop
	[ "$(echo "$output" | jq -r .status)" = running ]
	echo "$output" | jq -e '.progress > 0 and .progress < 1'
	[[ $(echo "$output" | jq -r .result.message) == step* ]]
}

@test "runs: every call is recorded with a command that reproduces it" {
	{
		echo "$INIT"
		call 1 echo_args "{\"symbol\":\"BTC.X\",\"text\":\"it's \$(a) \`b\` ; | & \\\\ \\\" \\n new line\",\"list\":[\"a\",\"b\"]}"
		call 2 fail_tool '{}'
		call 3 echo_args '{"n":99}'
	} | mcp
	db=$BARPIPE_HOME/barpipe.db
	[ "$(sqlite3 "$db" 'select count(*) from runs')" -eq 3 ]
	[ "$(sqlite3 "$db" "select tool || ' ' || source || ' ' || exit_code from runs order by id" | tr '\n' '|')" = "echo_args mcp 0|fail_tool mcp 1|echo_args mcp 2|" ]
	sqlite3 "$db" 'select command from runs where id = 1' >cmd
	grep -q "^cd .* && BARPIPE_HOME=.* BP_ARG_SYMBOL=BTC.X BP_ARG_TEXT='it'\\\\''s" cmd
	# the command gives the same result as the call
	bash cmd >again
	jq -c .args again >want
	result 1 '.structuredContent.args' | jq -c . >got
	diff -u want got
	# argv holds the same, as a JSON array
	[ "$(sqlite3 "$db" 'select json_extract(argv, "$[0]") from runs where id = 1')" = env ]
	[ "$(sqlite3 "$db" "select json_extract(result, '$.arguments.symbol') from runs where id = 1")" = BTC.X ]
	[ "$(sqlite3 "$db" "select json_extract(result, '$.status') from runs where id = 3")" = invalid ]
	sqlite3 "$db" 'select duration_s > 0 from runs where id = 1' | grep -qx 1
}

@test "runs: file hashes of inputs and outputs" {
	start
	send "$INIT"
	send "$(call 1 write_file '{"output":"out/a.txt","text":"hello"}')"; await 1
	send "$(call 2 read_file '{"input":"out/a.txt"}')"; await 2
	stop
	db=$BARPIPE_HOME/barpipe.db
	sum=$(printf 'hello\n' | sha256sum | cut -d' ' -f1)
	[ "$(sqlite3 "$db" "select json_extract(output_hash, '$.\"out/a.txt\"') from runs where id = 1")" = "$sum" ]
	[ "$(sqlite3 "$db" "select json_extract(input_hash, '$.\"out/a.txt\"') from runs where id = 2")" = "$sum" ]
	[ "$(result 2 .structuredContent.bytes)" = 6 ]
}

@test "resources: list, templates and reads" {
	{
		echo "$INIT"
		echo '{"jsonrpc":"2.0","id":1,"method":"resources/list"}'
		echo '{"jsonrpc":"2.0","id":2,"method":"resources/templates/list"}'
		echo '{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"ml://data/stats"}}'
		echo '{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"ml://models/active"}}'
		echo '{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"ml://models/versions"}}'
		echo '{"jsonrpc":"2.0","id":6,"method":"resources/read","params":{"uri":"ml://models/metrics"}}'
		echo '{"jsonrpc":"2.0","id":7,"method":"resources/read","params":{"uri":"ml://insights/recent"}}'
		echo '{"jsonrpc":"2.0","id":8,"method":"resources/read","params":{"uri":"ml://experiments/1"}}'
		echo '{"jsonrpc":"2.0","id":9,"method":"resources/read","params":{"uri":"ml://data/ohlcv/BTCUSDT/1h"}}'
		echo '{"jsonrpc":"2.0","id":10,"method":"resources/read","params":{"uri":"ml://data/ohlcv/../../etc/passwd"}}'
		echo '{"jsonrpc":"2.0","id":11,"method":"resources/read","params":{"uri":"file:///etc/passwd"}}'
	} | mcp
	[ "$(result 1 '[.resources[].uri] | join(" ")')" = "ml://data/stats ml://models/active ml://models/versions ml://models/metrics ml://insights/recent" ]
	[ "$(result 2 '[.resourceTemplates[].uriTemplate] | join(" ")')" = "ml://data/ohlcv/{symbol}/{timeframe} ml://experiments/{id}" ]
	[ "$(result 3 '.contents[0].mimeType')" = application/json ]
	[ "$(result 3 '.contents[0].text | fromjson | .cache | length')" = 0 ]
	for id in 4 5 6; do
		[ "$(result $id '.contents[0].text | fromjson | .models | length')" = 0 ]
	done
	[ "$(result 7 '.contents[0].text | fromjson | .insights | length')" = 0 ]
	for id in 8 9 10 11; do
		[ "$(reply $id | jq .error.code)" = -32002 ]
	done
	[[ $(reply 9 | jq -r .error.message) == *"no cached bars for BTCUSDT 1h"* ]]
	[ "$(reply 11 | jq -r .error.data.uri)" = file:///etc/passwd ]
}

@test "resources: cached bars, experiments and insights" {
	bp-fetch csv --symbol BTCUSDT --store -o /dev/null "$SAMPLE/BTCUSDT-1h.csv"
	bp-mcp journal experiment-create --name rsi --hypothesis "RSI works" >/dev/null
	bp-mcp journal insight-add --category feature --content "RSI works less than hoped" --experiment 1 >/dev/null
	{
		echo "$INIT"
		echo '{"jsonrpc":"2.0","id":1,"method":"resources/list"}'
		echo '{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"ml://data/ohlcv/BTCUSDT/1h"}}'
		echo '{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"ml://experiments/1"}}'
		echo '{"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"ml://insights/recent"}}'
		echo '{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"ml://data/stats"}}'
	} | mcp
	[ "$(result 1 '[.resources[].uri] | last')" = ml://data/ohlcv/BTCUSDT/1h ]
	[ "$(result 2 '.contents[0].mimeType')" = application/x-ndjson ]
	result 2 '.contents[0].text' | sed '/^$/d' >bars
	[ "$(wc -l <bars)" -eq 200 ]
	[ "$(tail -n1 bars)" = '{"ts":"2020-09-28T07:00:00Z","symbol":"BTCUSDT","open":10868.73,"high":10870.95,"low":10845.48,"close":10845.48,"volume":258.5}' ]
	[ "$(result 3 '.contents[0].text | fromjson | .hypothesis')" = "RSI works" ]
	[ "$(result 3 '.contents[0].text | fromjson | .insights[0].content')" = "RSI works less than hoped" ]
	[ "$(result 4 '.contents[0].text | fromjson | .insights[0].experiment_id')" = 1 ]
	[ "$(result 5 '.contents[0].text | fromjson | .cache[0] | [.symbol, .timeframe, .bars, .first, .last] | join(" ")')" = "BTCUSDT 1h 8760 2019-09-29T08:00:00Z 2020-09-28T07:00:00Z" ]
}

@test "prompts: list and get with arguments" {
	{
		echo "$INIT"
		echo '{"jsonrpc":"2.0","id":1,"method":"prompts/list"}'
		echo '{"jsonrpc":"2.0","id":2,"method":"prompts/get","params":{"name":"hello","arguments":{"who":"$(rm -rf /) Ann"}}}'
		echo '{"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"hello","arguments":{"who":"Bo","how":"briefly"}}}'
		echo '{"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":"hello"}}'
		echo '{"jsonrpc":"2.0","id":5,"method":"prompts/get","params":{"name":"hello","arguments":{"who":3}}}'
	} | mcp
	[ "$(result 1 '.prompts[0] | [.name, .description, (.arguments | map(.name + "=" + (.required | tostring)) | join(","))] | join(" ")')" = "hello a test prompt who=true,how=false" ]
	[ "$(result 2 '.messages[0].role')" = user ]
	[ "$(result 2 '.messages[0].content.text')" = 'Greet $(rm -rf /) Ann warmly; .' ]
	[ "$(result 3 '.messages[0].content.text')" = 'Greet Bo briefly; .' ]
	[ "$(reply 4 | jq .error.code)" = -32602 ]
	[ "$(reply 5 | jq .error.code)" = -32602 ]
}

@test "prompts: the shipped research_session and strategy_optimization" {
	bp-mcp --manifest "$RM" >out 2>err <<-EOF
	$INIT
	{"jsonrpc":"2.0","id":1,"method":"prompts/list"}
	{"jsonrpc":"2.0","id":2,"method":"prompts/get","params":{"name":"research_session","arguments":{"symbol":"BTCUSDT"}}}
	{"jsonrpc":"2.0","id":3,"method":"prompts/get","params":{"name":"strategy_optimization","arguments":{"strategy":"rsi_mr","input":"data/x.zst"}}}
	EOF
	[ "$(result 1 '[.prompts[].name] | join(" ")')" = "research_session strategy_optimization" ]
	text=$(result 2 '.messages[0].content.text')
	[[ $text == *"BTCUSDT (1h bars)"* ]]
	[[ $text == *hypothesis* && $text == *walk-forward* && $text == *save_insight* ]]
	text=$(result 3 '.messages[0].content.text')
	[[ $text == *"rsi_mr on data/x.zst for sharpe"* ]]
	[[ $text == *"Baseline first"* && $text == *"One change at a time"* && $text == *"out of sample"* ]]
}

@test "journal: subcommands print JSON; bad usage exits 2, unknown ids 1" {
	run -0 bp-mcp journal experiment-create --name e1 --hypothesis h --notes n
	[ "$(echo "$output" | jq -c '[.experiment_id, .name, .status]')" = '[1,"e1","open"]' ]
	run -0 bp-mcp journal insight-add --category model --content "gbdt beats logreg on AUC" --tags "gbdt auc" --importance 4 --experiment 1
	[ "$(echo "$output" | jq .insight_id)" = 1 ]
	run -0 bp-mcp journal insight-add --category data --content "SPY gaps on holidays"
	run -0 bp-mcp journal insight-search --query "GBDT auc"
	[ "$(echo "$output" | jq -c '[.count, .results[0].id]')" = '[1,1]' ]
	# any text is a valid query: FTS5 syntax is never interpreted
	run -0 bp-mcp journal insight-search --query '"unbalanced NEAR( OR * -- ^'
	[ "$(echo "$output" | jq .count)" = 0 ]
	run -0 bp-mcp journal insight-search --query "gbdt spy" --any
	[ "$(echo "$output" | jq .count)" = 2 ]
	run -0 bp-mcp journal insight-search --min-importance 4
	[ "$(echo "$output" | jq .count)" = 1 ]
	run -0 bp-mcp journal experiment-list
	[ "$(echo "$output" | jq -c '.experiments[0] | [.runs, .insights]')" = '[0,1]' ]
	run -2 --separate-stderr bp-mcp journal insight-add --category x
	[[ $stderr == *"needs --category and --content"* ]]
	run -2 --separate-stderr bp-mcp journal bogus
	[[ $stderr == *"unknown subcommand 'bogus'"* ]]
	run -2 --separate-stderr bp-mcp journal run-get abc
	run -2 --separate-stderr bp-mcp journal insight-search --limit 0
	run -1 --separate-stderr bp-mcp journal run-get 42
	[[ $stderr == *"no run '42'"* ]]
	run -1 --separate-stderr bp-mcp journal insight-add --category a --content b --experiment 9
	[[ $stderr == *"no experiment '9'"* ]]
}

@test "bp-mcp: the man page's EXAMPLES run as written" {
	command -v bp-fetch >/dev/null || skip "bp-fetch is not built here"
	export BP_MCP_MANIFEST=$RM
	local n=0
	# each .Bd block of EXAMPLES is one script (\e is a backslash)
	awk '
		/^\.Sh / { on = ($0 == ".Sh EXAMPLES"); next }
		on && /^\.Bd/ { inbd = 1; n++; next }
		on && /^\.Ed/ { inbd = 0; next }
		on && inbd { gsub(/\\e/, "\\"); print > ("example-" n ".sh") }
	' "$ROOT/man/man1/bp-mcp.1"
	for f in example-*.sh; do
		grep -q '^claude ' "$f" && continue	# needs Claude Code
		run -0 bash -o pipefail "$f"
		n=$((n + 1))
		case $f in
		example-1.sh) [[ $output == *"26 tools, 2 prompts: ok"* ]] ;;
		example-2.sh) [ "$(echo "$output" | wc -l)" -eq 26 ] ;;
		example-3.sh)
			[ "$(echo "$output" | head -n1 | jq -r .bars)" = 8760 ]
			[[ $(echo "$output" | tail -n1) == "cd "*fetch_ohlcv.sh ]] ;;
		esac
	done
	[ "$n" -eq 4 ]
}


@test "shipped tools: data (fetch, validate, list, cleanup)" {
	command -v bp-fetch >/dev/null || skip "bp-fetch is not built"
	mkdir -p "$BARPIPE_HOME/work/csv"
	cp "$SAMPLE/SPY-1d.csv" "$BARPIPE_HOME/work/csv/SPY.csv"
	printf 'Date,Open,High,Low,Close,Adj Close,Volume\n2020-01-02,1,2,0.5,1.5,1.5,10\n2020-01-03,1,0.5,0.9,1,1,10\n' \
		>"$BARPIPE_HOME/work/csv/bad.csv"
	MANIFEST=$RM start
	send "$INIT"
	send "$(call 1 fetch_ohlcv '{"symbol":"SPY","csv":"csv/SPY.csv"}')"
	send "$(call 2 validate_data '{"csv":"csv/bad.csv","symbol":"X"}')"
	send "$(call 3 validate_data '{"sample":"BTCUSDT-1h"}')"
	await 1
	send "$(call 4 list_cached_data '{}')"; await 4
	send "$(call 5 fetch_ohlcv '{"symbol":"SPY","source":"cache","timeframe":"1d","since":"2024-01-01","output":"data/spy-2024.zst"}')"
	await 5
	send "$(call 6 cleanup_old_data '{"before":"2015-01-01","symbol":"SPY"}')"
	send "$(call 7 fetch_ohlcv '{"symbol":"SPY","source":"csv"}')"
	stop
	[ "$(result 1 '.structuredContent | [.symbol, .timeframe, .output, .bars, .first, .last, .stored] | join(" ")')" = "SPY 1d data/SPY-1d.bars.zst 2546 2014-01-02T00:00:00Z 2024-02-13T00:00:00Z true" ]
	[ "$(unz "$BARPIPE_HOME/work/data/SPY-1d.bars.zst" | wc -l)" -eq 2546 ]
	# a bad row is reported, not fatal: ok false and the row named
	[ "$(result 2 '.structuredContent | [.ok, .clean, .bad.count, .bad.ohlc] | map(tostring) | join(" ")')" = "true false 1 1" ]
	[ "$(result 2 '.structuredContent.bad_examples | length')" -eq 1 ]
	[ "$(result 3 '.structuredContent | [.ok, .rows, .timeframe] | map(tostring) | join(" ")')" = "true 8760 1h" ]
	[ "$(result 4 '.structuredContent.series[0] | [.symbol, .count] | map(tostring) | join(" ")')" = "SPY 2546" ]
	[ "$(result 4 '.structuredContent.files[0].path')" = data/SPY-1d.bars.zst ]
	[ "$(result 5 '.structuredContent | [.source, .bars, .first] | map(tostring) | join(" ")')" = "cache 30 2024-01-02T00:00:00Z" ]
	[ "$(result 6 .structuredContent.deleted)" -eq 252 ]	# the 2014 rows
	[[ $(result 7 '.content[0].text') == *"source csv needs the argument 'csv'"* ]]
	# the output file's hash is in the journal
	sum=$(sha256sum "$BARPIPE_HOME/work/data/SPY-1d.bars.zst" | cut -d' ' -f1)
	[ "$(sqlite3 "$BARPIPE_HOME/barpipe.db" "select json_extract(output_hash, '$.\"data/SPY-1d.bars.zst\"') from runs where id = 1")" = "$sum" ]
	[ "$(sqlite3 "$BARPIPE_HOME/barpipe.db" "select json_extract(input_hash, '$.\"csv/SPY.csv\"') from runs where id = 1")" = "$(sha256sum "$SAMPLE/SPY-1d.csv" | cut -d' ' -f1)" ]
}

@test "shipped tools: strategies and features" {
	command -v bp-features >/dev/null || skip "bp-features is not built"
	MANIFEST=$RM start
	send "$INIT"
	send "$(call 1 fetch_ohlcv '{"symbol":"BTCUSDT","source":"sample","sample":"BTCUSDT-1h","store":false}')"
	send "$(call 2 get_strategy_schema '{}')"
	send "$(call 3 create_strategy '{"name":"mine","spec":{"name":"mine","description":"RSI","indicators":["rsi:14"],"labels":[{"kind":"up","horizon":1}]}}')"
	send "$(call 4 create_strategy '{"name":"bad","spec":{"name":"bad","indicators":["rsx:14"]}}')"
	await 1
	await 3
	send "$(call 5 create_strategy '{"name":"mine","spec":{"name":"mine"}}')"
	send "$(call 6 list_strategies '{}')"
	send "$(call 7 process_features '{"input":"data/BTCUSDT-1h.bars.zst","strategy":"mine"}')"
	send "$(call 8 process_features '{"input":"data/BTCUSDT-1h.bars.zst","indicators":["sma:50","rsi:14"],"labels":["up:1"],"drop_warmup":true,"output":"features/x.zst"}')"
	send "$(call 9 process_features '{"input":"data/BTCUSDT-1h.bars.zst","strategy":"nope"}')"
	stop
	[ "$(result 2 '.structuredContent.schema.title')" = "barpipe strategy spec" ]
	[ "$(result 2 '.structuredContent.examples | length')" -ge 1 ]
	result 2 '.structuredContent.example_strategies | index("rsi_gbdt")' | grep -qv null
	result 2 '.structuredContent.indicators | map(.name) | index("macd")' | grep -qv null
	[ "$(result 3 '.structuredContent | [.path, .created] | map(tostring) | join(" ")')" = "strategies/mine.json true" ]
	[[ $(result 4 '.content[0].text') == *"unknown indicator 'rsx'"* ]]
	[ ! -e "$BARPIPE_HOME/work/strategies/bad.json" ]
	[[ $(result 5 '.content[0].text') == *"strategy 'mine' exists; pass overwrite: true"* ]]
	[ "$(result 6 '[.structuredContent.strategies[] | select(.source == "workspace") | .name] | join(" ")')" = mine ]
	[ "$(result 6 '[.structuredContent.strategies[] | select(.source == "example")] | length')" -ge 3 ]
	[ "$(result 7 '.structuredContent | [.output, .rows, (.features | join(",")), (.labels | join(","))] | map(tostring) | join(" ")')" = "features/BTCUSDT-1h-mine.zst 8760 rsi_14 label_up" ]
	[ "$(result 8 '.structuredContent | [.output, .rows, (.features | join(","))] | map(tostring) | join(" ")')" = "features/x.zst 8711 sma_50,rsi_14" ]
	[[ $(result 9 '.content[0].text') == *"no strategy 'nope' (see list_strategies)"* ]]
}

@test "shipped tools: walk-forward task, backtest and drift" {
	command -v bp-cv >/dev/null && command -v bp-backtest >/dev/null &&
		command -v bp-drift >/dev/null && command -v bp-features >/dev/null ||
		skip "bp-cv, bp-backtest, bp-drift or bp-features is not built"
	MANIFEST=$RM start
	send "$INIT"
	send "$(call 1 fetch_ohlcv '{"symbol":"BTCUSDT","source":"sample","sample":"BTCUSDT-1h","store":false}')"
	await 1
	send "$(call 2 process_features '{"input":"data/BTCUSDT-1h.bars.zst","strategy":"rsi_gbdt","output":"features/btc.zst"}')"
	send "$(call 3 run_backtest '{"input":"data/BTCUSDT-1h.bars.zst","sma_cross":"10,50","fee_bps":10}')"
	await 2
	send "$(call 4 cross_validate '{"input":"features/btc.zst","label":"label_up","kind":"logreg","folds":3,"oos":"cv/oos.zst"}')"
	send "$(call 5 check_model_drift '{"reference":"features/btc.zst","current":"features/btc.zst","ref_window":"first:50%","cur_window":"last:30d","columns":["rsi_14","natr_14"]}')"
	send "$(call 6 run_backtest '{"input":"data/BTCUSDT-1h.bars.zst","model":"m1"}')"
	await 4
	for _ in $(seq 1200); do
		[ "$(bp-mcp journal task-get task-4 | jq -r .status)" = done ] && break
		sleep 0.05
	done
	send "$(call 7 get_task_status '{"task_id":"task-4"}')"
	send "$(call 8 run_backtest '{"input":"cv/oos.zst","fee_bps":10}')"
	stop
	[ "$(result 3 '.structuredContent.summary_file')" = reports/BTCUSDT-1h-sma10-50.backtest.json ]
	[ "$(result 3 '.structuredContent.summary.trades')" -gt 10 ]
	result 3 '.structuredContent.summary.buy_and_hold.total_return' | grep -Eq '^-?[0-9]'
	[ -s "$BARPIPE_HOME/work/reports/BTCUSDT-1h-sma10-50.backtest.trades.zst" ]
	[ "$(result 4 .structuredContent.task_id)" = task-4 ]
	[ "$(result 5 '.structuredContent | [.level, (.columns | length)] | map(tostring) | join(" ")')" = "HIGH 2" ]
	[ "$(result 5 '.structuredContent.recommendation')" = "schedule retraining" ]
	[[ $(result 6 '.content[0].text') == *"bp-predict"* ]]
	[ "$(result 7 '.structuredContent.status')" = done ]
	[ "$(result 7 '.structuredContent.result.summary.n_folds')" = 3 ]
	[ "$(result 7 '.structuredContent.result.oos')" = cv/oos.zst ]
	[ "$(result 8 '.structuredContent.summary.trades')" -gt 0 ]
}

@test "shipped tools: train_model runs as a task and registers a version" {
	command -v bp-train >/dev/null && command -v bp-features >/dev/null ||
		skip "bp-train or bp-features is not built"
	MANIFEST=$RM start
	send "$INIT"
	send "$(call 1 fetch_ohlcv '{"symbol":"BTCUSDT","source":"sample","sample":"BTCUSDT-1h","store":false}')"
	await 1
	send "$(call 2 process_features '{"input":"data/BTCUSDT-1h.bars.zst","strategy":"rsi_gbdt","output":"features/btc.zst"}')"
	await 2
	send "$(call 3 train_model '{"input":"features/btc.zst","label":"label_up","kind":"logreg","name":"btc_lr","seed":7}')"
	send "$(call 4 train_model '{"input":"features/btc.zst","label":"label_up","name":"btc_bad","params":{"Bad-Key":1}}')"
	send "$(call 5 train_model '{"input":"features/btc.zst","label":"up","name":"x"}')"
	await 3
	await 4
	await 5
	for t in task-3 task-4; do
		for _ in $(seq 1200); do
			st=$(bp-mcp journal task-get $t | jq -r .status)
			[ "$st" = running ] || [ "$st" = queued ] || break
			sleep 0.05
		done
	done
	send "$(call 6 get_task_status '{"task_id":"task-3"}')"
	send "$(call 7 get_task_status '{"task_id":"task-4"}')"
	stop
	[ "$(result 3 .structuredContent.status)" != failed ]
	[ "$(result 6 '.structuredContent | [.status, .progress, .result.name, .result.version, .result.kind] | map(tostring) | join(" ")')" = "done 1 btc_lr 1 logreg" ]
	result 6 '.structuredContent.result.metrics.valid.auc' | grep -Eq '^0\.[0-9]+'
	[ -f "$BARPIPE_HOME/models/btc_lr/1.json" ]
	[ "$(sqlite3 "$BARPIPE_HOME/barpipe.db" "select name || '@' || version || ' ' || status from models")" = "btc_lr@1 candidate" ]
	[ "$(result 7 .structuredContent.status)" = failed ]
	[[ $(result 7 .structuredContent.error) == *"parameter names are lower-case words"* ]]
	[[ $(result 5 '.content[0].text') == *"'label': \"up\" does not match"* ]]
}

@test "shipped tools: the model registry and signals" {
	for t in bp-train bp-model bp-predict bp-features bp-backtest; do
		command -v $t >/dev/null || skip "$t is not built"
	done
	MANIFEST=$RM start
	send "$INIT"
	send "$(call 1 fetch_ohlcv '{"symbol":"BTCUSDT","source":"sample","sample":"BTCUSDT-1h","store":false}')"
	await 1
	send "$(call 2 process_features '{"input":"data/BTCUSDT-1h.bars.zst","strategy":"rsi_gbdt","output":"features/btc.zst"}')"
	await 2
	# two versions, trained directly (train_model's own test covers the task)
	bp-train --model logreg --label label_up --register btc -q "$BARPIPE_HOME/work/features/btc.zst"
	bp-train --model gbdt --label label_up --register btc -q "$BARPIPE_HOME/work/features/btc.zst"
	send "$(call 3 list_models '{}')"; await 3
	send "$(call 4 promote_model '{"model":"btc@1"}')"; await 4
	send "$(call 5 promote_model '{"model":"btc@2"}')"; await 5
	send "$(call 6 rollback_model '{"name":"btc"}')"; await 6
	send "$(call 7 rollback_model '{"name":"btc"}')"; await 7
	send "$(call 8 get_model_info '{"model":"btc@2"}')"
	send "$(call 9 compare_models '{"a":"btc@1","b":"btc@2","input":"features/btc.zst"}')"
	send "$(call 10 generate_signal '{"model":"btc","input":"features/btc.zst","symbol":"BTCUSDT","long":0.5,"short":0.4999}')"
	send "$(call 11 batch_generate '{"model":"btc@2","input":"features/btc.zst","symbols":["BTCUSDT","ETHUSDT"]}')"
	send "$(call 12 run_backtest '{"model":"btc","input":"features/btc.zst","fee_bps":10}')"
	send "$(call 13 promote_model '{"model":"btc"}')"
	stop
	[ "$(result 3 '.structuredContent | [.count, (.models | map(.status) | join(","))] | map(tostring) | join(" ")')" = "2 candidate,candidate" ]
	[ "$(result 4 '.structuredContent | [.version, .status, .previous] | map(tostring) | join(" ")')" = "1 active null" ]
	[ "$(result 5 '.structuredContent | [.version, .previous] | map(tostring) | join(" ")')" = "2 1" ]
	[ "$(result 6 '.structuredContent | [.version, .previous] | map(tostring) | join(" ")')" = "1 2" ]
	[ "$(result 7 .isError)" = true ]
	[[ $(result 7 '.content[0].text') == *"no earlier active version"* ]]
	[ "$(result 8 '.structuredContent.model | [.name, .version, .kind, .status] | map(tostring) | join(" ")')" = "btc 2 gbdt retired" ]
	[ "$(result 9 '.structuredContent | [.a.ref, .b.ref, .predictions.rows] | map(tostring) | join(" ")')" = "btc@1 btc@2 8760" ]
	[ "$(result 10 '.structuredContent | [.symbol, .ts, .model] | join(" ")')" = "BTCUSDT 2020-09-28T07:00:00Z btc" ]
	[[ $(result 10 .structuredContent.signal) =~ ^(-1|0|1)$ ]]
	result 10 .structuredContent.score | grep -Eq '^0\.[0-9]+'
	# the same as bp-predict's last row
	[ "$(bp-predict --model btc --long 0.5 --short 0.4999 --on-missing skip --plain \
		"$BARPIPE_HOME/work/features/btc.zst" | tail -n1 | jq -c '[.score, .signal]')" = \
		"$(result 10 '.structuredContent | [.score, .signal]' | jq -c .)" ]
	[ "$(result 11 '.structuredContent | [.count, .signals[0].symbol, (.missing | join(","))] | map(tostring) | join(" ")')" = "1 BTCUSDT ETHUSDT" ]
	[ "$(result 12 '.structuredContent.summary_file')" = reports/btc-btc.backtest.json ]
	# the active version (logreg) skips the warm-up rows its features lack
	[ "$(result 12 '.structuredContent.summary.bars')" -gt 8000 ]
	[[ $(result 13 '.content[0].text') == *"'model': \"btc\" does not match"* ]]
}
