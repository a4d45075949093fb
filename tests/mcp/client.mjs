// client.mjs: drives bp-mcp with the official MCP TypeScript SDK client,
// as a real assistant host would.  Prints TAP; exits 1 on any failure.
//
//   node client.mjs protocol BP-MCP MANIFEST   protocol points (test tools)
//   node client.mjs flow BP-MCP MANIFEST       the research flow (shipped)
//
// The workspace and database come from BARPIPE_HOME.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { delimiter, join } from "node:path";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
	LoggingMessageNotificationSchema,
	McpError,
} from "@modelcontextprotocol/sdk/types.js";

const [mode, server, manifest] = process.argv.slice(2);
let n = 0;
let failed = 0;

function ok(pass, name, detail) {
	n++;
	if (!pass) failed++;
	console.log(`${pass ? "ok" : "not ok"} ${n} - ${name}`);
	if (!pass && detail !== undefined)
		console.log(`#   ${JSON.stringify(detail).slice(0, 2000)}`);
	return pass;
}

function skip(name, why) {
	n++;
	console.log(`ok ${n} - ${name} # SKIP ${why}`);
}

async function connect(extraArgs = []) {
	const transport = new StdioClientTransport({
		command: server,
		args: ["--manifest", manifest, ...extraArgs],
		env: { ...process.env },
		stderr: "inherit",
	});
	const client = new Client(
		{ name: "barpipe-sdk-test", version: "1.0.0" },
		{ capabilities: {} },
	);
	await client.connect(transport);
	return client;
}

function text(result) {
	return (result.content || []).map((c) => c.text || "").join("\n");
}

function onPath(prog) {
	return (process.env.PATH || "")
		.split(delimiter)
		.some((d) => d && existsSync(join(d, prog)));
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// the pids the test manifest's sleep_tool pipelines wrote when they started
function sleepPids() {
	const ws = join(process.env.BARPIPE_HOME, "work");
	if (!existsSync(ws)) return [];
	return readdirSync(ws).filter((f) => /^sleep-\d+\.pid$/.test(f))
		.map((f) => Number(readFileSync(join(ws, f), "utf8")))
		.filter((pid) => pid > 0);
}

async function pidFiles(n) {
	for (let i = 0; i < 600 && sleepPids().length < n; i++)
		await sleep(50);
}

function alive(pid) {
	try {
		const st = readFileSync(`/proc/${pid}/stat`, "utf8");
		return !/^\d+ \(.*\) Z/.test(st);
	} catch {
		return false;
	}
}

async function protocol() {
	const client = await connect();
	const info = client.getServerVersion();
	ok(info?.name === "barpipe-test", "initialize: server info", info);
	const caps = client.getServerCapabilities();
	ok(caps?.tools && caps?.resources && caps?.prompts && caps?.logging,
		"initialize: tools, resources, prompts, logging", caps);

	await client.ping();
	ok(true, "ping");

	const { tools } = await client.listTools();
	ok(tools.length === 13, "tools/list: 13 tools", tools.length);
	ok(tools.every((t) => t.inputSchema?.type === "object" &&
		t.outputSchema?.type === "object"),
		"tools/list: input and output schemas");

	// the SDK validates structuredContent against the outputSchema
	let r = await client.callTool({ name: "echo_args",
		arguments: { symbol: "BTCUSDT", list: ["ab"], obj: { k: 1 } } });
	ok(!r.isError && r.structuredContent?.args?.BP_ARG_SYMBOL === "BTCUSDT" &&
		Number.isInteger(r.structuredContent?.run_id),
		"tools/call: structured result checked by the SDK", r);
	ok(JSON.stringify(JSON.parse(r.content[0].text)) ===
		JSON.stringify(r.structuredContent), "tools/call: same JSON as text");

	r = await client.callTool({ name: "echo_args",
		arguments: { symbol: "$(touch /tmp/x)" } });
	ok(r.isError && /does not match/.test(text(r)),
		"tools/call: invalid arguments are a tool error", r);

	r = await client.callTool({ name: "fail_tool", arguments: {} });
	ok(r.isError && /'close' is not a number/.test(text(r)),
		"tools/call: a failed pipeline is isError with its stderr", r);

	try {
		await client.callTool({ name: "no_such_tool", arguments: {} });
		ok(false, "tools/call: unknown tool is an error");
	} catch (e) {
		ok(e instanceof McpError && e.code === -32602,
			"tools/call: unknown tool is -32602", String(e));
	}

	// several calls in flight, answered as they finish
	const order = [];
	await Promise.all([
		client.callTool({ name: "sleep_tool", arguments: { seconds: 1.2 } })
			.then(() => order.push("long")),
		client.callTool({ name: "sleep_tool", arguments: { seconds: 0.1 } })
			.then(() => order.push("short")),
		client.ping().then(() => order.push("ping")),
	]);
	ok(order.join(",") === "ping,short,long",
		"concurrency: answered by id as they finish", order);

	// progress notifications for the SDK's progressToken
	const seen = [];
	r = await client.callTool({ name: "sleep_tool", arguments: { seconds: 0.5 } },
		undefined, { onprogress: (p) => seen.push(p) });
	// The SDK runs notification handlers in a microtask but handles a
	// response at once, dropping the call's progress handler: when the
	// last notification and the answer arrive in one read, the SDK never
	// shows that notification.  bp-mcp writes it first (bp-mcp.bats
	// checks the wire order), so here the last one may be missing.
	ok(!r.isError && seen.length >= 3 &&
		seen.every((p, i) => i === 0 || p.progress > seen[i - 1].progress) &&
		seen.at(-1).progress >= 4 && seen.at(-1).total === 5,
		"progress: increasing notifications", seen);

	// cancellation: the SDK sends notifications/cancelled
	const ac = new AbortController();
	const pending = client.callTool({ name: "sleep_tool", arguments: { seconds: 30 } },
		undefined, { signal: ac.signal });
	await pidFiles(4);	// its pipeline has started
	ac.abort("changed my mind");
	try {
		await pending;
		ok(false, "cancellation: the call is abandoned");
	} catch (e) {
		ok(true, "cancellation: the call is abandoned");
	}
	await client.ping();
	ok(true, "cancellation: the server goes on");

	// logging
	const logs = [];
	client.setNotificationHandler(LoggingMessageNotificationSchema,
		(m) => logs.push(m.params));
	await client.setLoggingLevel("info");
	await client.callTool({ name: "echo_args", arguments: {} });
	await sleep(100);
	ok(logs.some((l) => l.data?.event === "call_finished" && l.level === "info"),
		"logging: notifications/message after setLevel", logs);

	// resources
	const { resources } = await client.listResources();
	ok(resources.some((x) => x.uri === "ml://data/stats") &&
		resources.some((x) => x.uri === "ml://insights/recent"),
		"resources/list", resources);
	const { resourceTemplates } = await client.listResourceTemplates();
	ok(resourceTemplates.map((x) => x.uriTemplate).join(" ") ===
		"ml://data/ohlcv/{symbol}/{timeframe} ml://experiments/{id}",
		"resources/templates/list", resourceTemplates);
	const stats = await client.readResource({ uri: "ml://data/stats" });
	ok(Array.isArray(JSON.parse(stats.contents[0].text).cache),
		"resources/read: ml://data/stats", stats);
	try {
		await client.readResource({ uri: "ml://experiments/424242" });
		ok(false, "resources/read: missing is an error");
	} catch (e) {
		ok(e instanceof McpError && e.code === -32002,
			"resources/read: missing is -32002", String(e));
	}

	// prompts
	const { prompts } = await client.listPrompts();
	ok(prompts.length === 1 && prompts[0].name === "hello", "prompts/list", prompts);
	const p = await client.getPrompt({ name: "hello", arguments: { who: "Ann" } });
	ok(p.messages[0].content.text === "Greet Ann warmly; .", "prompts/get", p);

	// tasks
	r = await client.callTool({ name: "slow_task", arguments: { seconds: 30 } });
	const task = r.structuredContent?.task_id;
	ok(/^task-\d+$/.test(task || ""), "tasks: a task id at once", r);
	await pidFiles(5);	// the task's pipeline has started
	r = await client.callTool({ name: "cancel_task", arguments: { task_id: task } });
	ok(r.structuredContent?.status === "cancelled", "tasks: cancel_task", r);

	await client.close();
	// the cancelled sleep and the cancelled task left nothing behind
	await sleep(300);
	const pids = sleepPids();
	ok(pids.length === 5 && pids.every((pid) => !alive(pid)),
		"no pipeline outlives its call", pids);
}

// The research flow through MCP only, as far as the tools are installed:
// fetch sample data -> features -> train task -> status -> backtest ->
// save insight -> search it.
async function flow() {
	const client = await connect();
	const { tools } = await client.listTools();
	ok(tools.length === 26, "flow: 26 tools", tools.map((t) => t.name));
	const call = async (name, args) => {
		const r = await client.callTool({ name, arguments: args });
		return r;
	};
	const step = async (name, args, needs, check) => {
		if (needs && !onPath(needs)) {
			const r = await call(name, args);
			ok(r.isError && text(r).includes(`needs the program '${needs}'`),
				`flow: ${name} says '${needs}' is missing`, r);
			return null;
		}
		const r = await call(name, args);
		ok(!r.isError && check(r.structuredContent), `flow: ${name}`, r);
		return r.isError ? null : r.structuredContent;
	};

	const exp = await step("create_experiment", {
		name: "sdk flow", hypothesis: "momentum on BTCUSDT 1h survives fees",
	}, null, (s) => s.experiment_id > 0);
	const xid = exp?.experiment_id;
	const bars = await step("fetch_ohlcv", {
		symbol: "BTCUSDT", source: "sample", sample: "BTCUSDT-1h",
		experiment_id: xid,
	}, "bp-fetch", (s) => s.bars === 8760 && s.output === "data/BTCUSDT-1h.bars.zst");
	await step("list_cached_data", {}, "bp-fetch",
		(s) => s.series.some((x) => x.symbol === "BTCUSDT" && x.count === 8760));

	const feats = await step("process_features", {
		input: "data/BTCUSDT-1h.bars.zst", strategy: "rsi_gbdt",
		output: "features/btc.zst", experiment_id: xid,
	}, "bp-features", (s) => s.rows > 0);

	let model = null;
	// a task: poll get_task_status until it ends
	const wait = async (task, what) => {
		let st;
		for (let i = 0; i < 600; i++) {
			const r = await call("get_task_status", { task_id: task });
			st = r.structuredContent;
			if (["done", "failed", "cancelled"].includes(st?.status)) break;
			await sleep(200);
		}
		ok(st?.status === "done", `flow: get_task_status until ${what} is done`, st);
		return st;
	};

	if (feats) {
		const t = await step("train_model", {
			input: "features/btc.zst", label: "label_up", kind: "logreg",
			name: "sdk_flow", experiment_id: xid,
		}, "bp-train", (s) => /^task-/.test(s.task_id));
		if (t) {
			const st = await wait(t.task_id, "train_model");
			model = st?.result?.name;
			const v = st?.result?.version;
			if (model && v)
				await step("promote_model", { model: `${model}@${v}` },
					"bp-model", (s) => s.status === "active");
			if (model)
				await step("generate_signal", {
					model, input: "features/btc.zst", symbol: "BTCUSDT",
				}, "bp-predict", (s) => s.ts === "2020-09-28T07:00:00Z" &&
					[-1, 0, 1].includes(s.signal));
		}
		// walk-forward: a model per fold, out-of-sample predictions
		const cv = await step("cross_validate", {
			input: "features/btc.zst", label: "label_up", kind: "logreg",
			scheme: "walk-forward", folds: 3, oos: "cv/btc-oos.zst",
			experiment_id: xid,
		}, "bp-cv", (s) => /^task-/.test(s.task_id) && s.status !== "failed");
		if (cv) {
			const st = await wait(cv.task_id, "cross_validate");
			ok(st?.result?.summary?.n_folds === 3 &&
				typeof st?.result?.summary?.mean?.auc === "number",
				"flow: out-of-sample metrics per fold", st?.result);
			await step("run_backtest", {
				input: "cv/btc-oos.zst", fee_bps: 10, experiment_id: xid,
			}, "bp-backtest", (s) => typeof s.summary.sharpe === "number" &&
				typeof s.summary.buy_and_hold === "object");
		}
	} else {
		skip("flow: train_model", "no features");
		skip("flow: cross_validate", "no features");
		skip("flow: run_backtest", "no features");
	}

	await step("save_insight", {
		category: "strategy", importance: 4, tags: ["btc", "momentum"],
		content: "BTCUSDT 1h momentum: recorded through the SDK flow",
		experiment_id: xid,
	}, null, (s) => s.insight_id > 0);
	await step("search_insights", { query: "momentum BTCUSDT" }, null,
		(s) => s.count === 1 && s.results[0].content.includes("SDK flow"));

	if (bars) {
		const r = await call("get_run", { run: bars.run_id });
		ok(!r.isError && /fetch_ohlcv\.sh$/.test(r.structuredContent.run.command),
			"flow: get_run shows the reproducing command", r);
		const e = await client.readResource({ uri: `ml://experiments/${xid}` });
		const doc = JSON.parse(e.contents[0].text);
		ok(doc.runs.length >= 2 && doc.insights.length === 1,
			"flow: the experiment links its runs and insight", doc);
		const o = await client.readResource({ uri: "ml://data/ohlcv/BTCUSDT/1h" });
		ok(o.contents[0].text.trim().split("\n").length === 200,
			"flow: recent bars as a resource");
	}
	await client.close();
}

try {
	if (mode === "protocol") await protocol();
	else if (mode === "flow") await flow();
	else throw new Error(`unknown mode '${mode}'`);
} catch (e) {
	ok(false, `no exception: ${e?.stack || e}`);
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
