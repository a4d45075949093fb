#!/usr/bin/env bash
# bench/mcp.sh: the cost of a tools/call through bp-mcp, including the
# pipeline's process start (target: under 10 ms per call for a trivial
# tool), split into the pipeline's own run time (as bp-mcp records it) and
# bp-mcp's share, next to a ping round trip (protocol only) and bp-mcp's
# CPU time per call (which the machine's load does not inflate).  A small
# Python client keeps the client's own cost out of the numbers.
# Results: bench/out/mcp.txt
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
p = subprocess.Popen(["bp-mcp"] + os.environ.get("BENCH_MCP_ARGS", "").split(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
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

def cpu(children=False):
    # utime + stime, or cutime + cstime: the reaped pipelines (with
    # everything they ran)
    f = open(f"/proc/{p.pid}/stat").read().rsplit(")", 1)[1].split()
    i = 13 if children else 11
    return (int(f[i]) + int(f[i + 1])) / os.sysconf("SC_CLK_TCK")

ping = per_call(lambda: rpc("ping"), n)
c0, k0 = cpu(), cpu(True)
def get_run():
    r = rpc("tools/call", {"name": "get_run", "arguments": {"run": run}})
    assert not r["result"]["isError"], r
getrun = per_call(get_run, n)
server_cpu = (cpu() - c0) / (n + 1) * 1000
pipe_cpu = (cpu(True) - k0) / (n + 1) * 1000
def strategies():
    r = rpc("tools/call", {"name": "list_strategies", "arguments": {}})
    assert not r["result"]["isError"], r
strat = per_call(strategies, max(n // 5, 20))
p.stdin.close()
p.wait()

# how long the get_run pipeline itself ran (spawn to exit, as bp-mcp
# measured it for the journal): the rest of a call is bp-mcp's own cost
import sqlite3
db = sqlite3.connect(os.path.join(home, "barpipe.db"))
pipe = db.execute("select avg(duration_s) * 1000 from runs "
                  "where tool = 'get_run'").fetchone()[0]

load = open("/proc/loadavg").read().split()[0]
print(f"bp-mcp tools/call overhead ({n} sequential calls, {os.cpu_count()} cores, load {load})")
rows = [("ping round trip (protocol only)", ping),
        ("tools/call get_run (bash + bp-mcp journal)", getrun),
        ("  of which the pipeline ran (fork to exit)", pipe),
        ("  of which bp-mcp (validate, journal, I/O)", getrun - pipe),
        ("  CPU time per call: bp-mcp", server_cpu),
        ("  CPU time per call: the pipeline's processes", pipe_cpu),
        ("  CPU time per call: total (the idle-machine cost)", server_cpu + pipe_cpu),
        ("tools/call list_strategies (bash + jq)", strat)]
for name, ms in rows:
    print(f"  {name:50s} {ms:8.3f} ms")
print(f"  get_run under 10 ms: {'yes' if getrun < 10 else 'NO'}"
      f" (wall clock); its CPU cost under 10 ms:"
      f" {'yes' if server_cpu + pipe_cpu < 10 else 'NO'}")
PY
