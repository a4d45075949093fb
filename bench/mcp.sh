#!/usr/bin/env bash
# bench/mcp.sh: the cost of a tools/call through bp-mcp, including the
# pipeline's process start (target: under 10 ms per call for a trivial
# tool), next to a ping round trip (protocol only) and to running the same
# pipeline by hand (bash + the tool, no server).  A small Python client
# keeps the client's own cost out of the numbers.  Results: bench/out/mcp.txt
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/bin:$PWD/pipelines:$PATH
out=bench/out
mkdir -p "$out"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export BARPIPE_HOME=$home LC_ALL=C TZ=UTC
N=${BENCH_MCP_CALLS:-300}

# one run in the journal for get_run to read
bp-mcp journal experiment-create --name bench >/dev/null

python3 - "$N" <<'PY' | tee "$out/mcp.txt"
import json, os, subprocess, sys, time

n = int(sys.argv[1])
home = os.environ["BARPIPE_HOME"]
p = subprocess.Popen(["bp-mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.DEVNULL, text=True, bufsize=1)
ident = 0

def rpc(method, params=None):
    global ident
    ident += 1
    msg = {"jsonrpc": "2.0", "id": ident, "method": method}
    if params is not None:
        msg["params"] = params
    p.stdin.write(json.dumps(msg) + "\n")
    p.stdin.flush()
    return json.loads(p.stdout.readline())

rpc("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                   "clientInfo": {"name": "bench", "version": "1"}})
first = rpc("tools/call", {"name": "create_experiment", "arguments": {"name": "b"}})
run = first["result"]["structuredContent"]["run_id"]

def per_call(fn, reps):
    fn()                         # warm up
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps * 1000

ping = per_call(lambda: rpc("ping"), n)
def get_run():
    r = rpc("tools/call", {"name": "get_run", "arguments": {"run": run}})
    assert not r["result"]["isError"], r
getrun = per_call(get_run, n)
def strategies():
    r = rpc("tools/call", {"name": "list_strategies", "arguments": {}})
    assert not r["result"]["isError"], r
strat = per_call(strategies, max(n // 5, 20))
p.stdin.close()
p.wait()

# the same get_run pipeline run by hand: its reproducing command
import sqlite3
db = sqlite3.connect(os.path.join(home, "barpipe.db"))
cmd = db.execute("select command from runs where tool = 'get_run' limit 1").fetchone()[0]
def by_hand():
    subprocess.run(["bash", "-c", cmd], stdout=subprocess.DEVNULL, check=True)
hand = per_call(by_hand, max(n // 3, 20))

print(f"bp-mcp tools/call overhead ({n} sequential calls, {os.cpu_count()} cores)")
rows = [("ping round trip (protocol only)", ping),
        ("tools/call get_run (bash + bp-mcp journal)", getrun),
        ("the same pipeline run by hand", hand),
        ("server overhead (call - by hand)", getrun - hand),
        ("tools/call list_strategies (bash + jq)", strat)]
for name, ms in rows:
    print(f"  {name:44s} {ms:8.3f} ms")
print(f"  get_run under 10 ms: {'yes' if getrun < 10 else 'NO'}")
PY
