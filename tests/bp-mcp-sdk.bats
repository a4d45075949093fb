#!/usr/bin/env bats
# bp-mcp driven by the official MCP TypeScript SDK client (tests/mcp/).
load helper
setup() {
	bp_setup
	if [ ! -d "$ROOT/tests/mcp/node_modules/@modelcontextprotocol/sdk" ]; then
		echo "# the MCP SDK client is not installed; install it with:" >&3
		echo "#   npm ci --prefix tests/mcp" >&3
		skip "tests/mcp/node_modules is absent (npm ci --prefix tests/mcp)"
	fi
	command -v node >/dev/null || skip "node is not installed"
}

@test "sdk: the SDK client speaks every protocol point with bp-mcp" {
	run node "$ROOT/tests/mcp/client.mjs" protocol \
		"$(command -v bp-mcp)" "$FIX/mcp/manifest.json"
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -q '^not ok' <<<"$output"
	[[ $output == *"1..2"[0-9]* ]]
}

@test "sdk: a whole research flow driven only through MCP" {
	run node "$ROOT/tests/mcp/client.mjs" flow \
		"$(command -v bp-mcp)" "$ROOT/mcp-shim/manifest.json"
	echo "$output"
	[ "$status" -eq 0 ]
	! grep -q '^not ok' <<<"$output"
	grep -q '^ok .* - flow: fetch_ohlcv$' <<<"$output"
	grep -q '^ok .* - flow: search_insights$' <<<"$output"
	# every call of the flow is in the run journal with its command
	db=$BARPIPE_HOME/barpipe.db
	[ "$(sqlite3 "$db" "select count(*) from runs where command is null and tool != 'cancel_task' and exit_code = 0")" -eq 0 ]
}
