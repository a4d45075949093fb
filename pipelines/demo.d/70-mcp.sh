#!/usr/bin/env bash
# demo: the same research flow through MCP
# In: the shipped sample (data/sample/BTCUSDT-1h.csv) and strategy
# (strategies/rsi_gbdt.json), reached only through bp-mcp's tools.
# Out: $DEMO/mcp/ (the workspace bp-mcp confines the tools to), the
# session's messages in $DEMO/mcp.session.ndjson, and the calls in the
# database's runs table.
set -euo pipefail

ws=$DEMO/mcp
log=$DEMO/mcp.session.ndjson
mkdir -p "$ws"
: >"$log"

# bp-mcp as an assistant host runs it: a child speaking JSON-RPC on stdio
coproc MCP { bp-mcp --workspace "$ws" 2>"$DEMO/mcp.log"; }
id=0
# rpc METHOD PARAMS-JSON: send one request, wait for its answer (-> $reply)
rpc() {
	id=$((id + 1))
	msg=$(jq -nc --argjson id "$id" --arg m "$1" --argjson p "$2" \
		'{jsonrpc: "2.0", id: $id, method: $m, params: $p}')
	# (a builtin: the coprocess's descriptors are not in subshells)
	printf '%s\n' "$msg" >&"${MCP[1]}"
	printf '%s\n' "$msg" >>"$log"
	while IFS= read -r reply <&"${MCP[0]}"; do
		echo "$reply" >>"$log"
		[ "$(jq -r .id <<<"$reply")" = "$id" ] && return 0
	done
	echo "bp-mcp ended early (see $DEMO/mcp.log)" >&2
	exit 1
}
# tool NAME ARGS-JSON: a tools/call; its structured result -> $result
tool() {
	rpc tools/call "$(jq -nc --arg n "$1" --argjson a "$2" '{name: $n, arguments: $a}')"
	if [ "$(jq -r .result.isError <<<"$reply")" != false ]; then
		jq -r '.result.content[0].text // .error.message' <<<"$reply" >&2
		exit 1
	fi
	result=$(jq -c .result.structuredContent <<<"$reply")
}

rpc initialize '{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"demo","version":"1"}}'
jq -r '.result | "server \(.serverInfo.name) \(.serverInfo.version), MCP \(.protocolVersion)"' <<<"$reply"
echo '{"jsonrpc":"2.0","method":"notifications/initialized"}' >&"${MCP[1]}"
rpc tools/list '{}'
jq -r '.result.tools | "\(length) tools: \(map(.name) | join(" "))"' <<<"$reply"

tool create_experiment '{"name":"rsi_gbdt walk-forward","hypothesis":"the rsi_gbdt features predict the next BTCUSDT hour out of sample, after 10 bps fees"}'
exp=$(jq .experiment_id <<<"$result")
tool fetch_ohlcv "{\"symbol\":\"BTCUSDT\",\"source\":\"sample\",\"sample\":\"BTCUSDT-1h\",\"store\":false,\"experiment_id\":$exp}"
jq -c '{bars, first, last, validation}' <<<"$result"
fetch_run=$(jq .run_id <<<"$result")
tool process_features "{\"input\":\"data/BTCUSDT-1h.bars.zst\",\"strategy\":\"rsi_gbdt\",\"output\":\"features/btc.zst\",\"experiment_id\":$exp}"
jq -c '{rows, features: (.features | length), labels}' <<<"$result"

# task TASK-ID: poll get_task_status until the task ends (-> $result)
task() {
	while :; do
		tool get_task_status "{\"task_id\":\"$1\"}"
		status=$(jq -r .status <<<"$result")
		[ "$status" = queued ] || [ "$status" = running ] || break
		sleep 0.2
	done
	[ "$status" = done ] || { jq -r .error <<<"$result" >&2; exit 1; }
}

# long jobs: a task id at once, then its status until it is done
tool train_model "{\"input\":\"features/btc.zst\",\"label\":\"label_up\",\"kind\":\"gbdt\",\"name\":\"mcp_demo\",\"experiment_id\":$exp}"
echo "train_model runs as $(jq -r .task_id <<<"$result")"
task "$(jq -r .task_id <<<"$result")"
version=$(jq .result.version <<<"$result")
jq -c '.result | {model: "\(.name)@\(.version)", valid: (.metrics.valid | {auc, logloss})}' <<<"$result"
tool promote_model "{\"model\":\"mcp_demo@$version\"}"
tool generate_signal '{"model":"mcp_demo","input":"features/btc.zst","symbol":"BTCUSDT"}'
jq -c '{latest_signal: .}' <<<"$result"

tool cross_validate "{\"input\":\"features/btc.zst\",\"label\":\"label_up\",\"kind\":\"logreg\",\"scheme\":\"walk-forward\",\"folds\":4,\"oos\":\"cv/btc-oos.zst\",\"experiment_id\":$exp}"
echo "cross_validate runs as $(jq -r .task_id <<<"$result")"
task "$(jq -r .task_id <<<"$result")"
jq -c '.result.summary | {folds: .n_folds, out_of_sample: (.mean | {auc, logloss, accuracy})}' <<<"$result"

tool run_backtest "{\"input\":\"cv/btc-oos.zst\",\"fee_bps\":10,\"experiment_id\":$exp}"
jq -c '.summary | {total_return, sharpe, max_drawdown, trades, buy_and_hold: .buy_and_hold.total_return}' <<<"$result"
insight=$(jq -r '.summary | "rsi_gbdt logreg walk-forward on BTCUSDT 1h (2019-09..2020-09), 10 bps: total return \(.total_return), Sharpe \(.sharpe) vs buy-and-hold \(.buy_and_hold.total_return)"' <<<"$result")
tool save_insight "$(jq -nc --arg c "$insight" --argjson e "$exp" '{category: "backtest", content: $c, tags: ["btc", "rsi_gbdt", "walk-forward"], importance: 3, experiment_id: $e}')"
tool search_insights '{"query":"rsi_gbdt walk-forward"}'
jq -r '"search: \(.count) insight(s): \(.results[0].content)"' <<<"$result"

# every call is in the journal with the command that reproduces it
tool get_run "{\"run\":$fetch_run}"
echo "fetch_ohlcv, as a shell command:"
jq -r '.run.command' <<<"$result"

exec {MCP[1]}>&-
wait "$MCP_PID"
