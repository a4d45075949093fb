#!/usr/bin/env bash
# bench/backtest.sh: bp-backtest against a vectorised pandas backtest of the
# same rules (bench/backtest_pandas.py), on 1,000,000 seeded random-walk
# hourly bars with an SMA(50) crossover signal, long/flat, 10 bps fees,
# next-open fills.
#   bp-backtest from the zstd NDJSON stream, end to end
#   pandas from the same zstd NDJSON stream (zstd -dc | read_json)
#   pandas from the same bars as CSV (read_csv)
# Each is timed end to end (process start to exit), best of 3.  Both must
# give the same total log return to 1e-9, else the bench fails.
# Results: bench/out/backtest.txt and bench/out/backtest.json.
# BENCH_BACKTEST_BARS changes the size; PYTHON the interpreter (Debian's
# /usr/bin/python3 with python3-pandas by default).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/bin:$PATH LC_ALL=C

n=${BENCH_BACKTEST_BARS:-1000000}
py=${PYTHON:-/usr/bin/python3}
[ -x "$py" ] || py=python3
out=bench/out/backtest
fee=10
mkdir -p "$out"

if ! "$py" -c 'import numpy, pandas' 2>/dev/null; then
	echo "backtest: $py has no numpy/pandas (apt-get install python3-pandas)"
	exit 1
fi
if [ "$(cat "$out/bars.n" 2>/dev/null)" != "$n" ] ||
	[ ! -s "$out/bars.ndjson.zst" ] || [ ! -s "$out/bars.csv" ]; then
	echo "generating $n bars in $out/ ..."
	"$py" bench/backtest_pandas.py gen "$n" "$out"
	echo "$n" >"$out/bars.n"
fi

# best of 3: "wall cpu" seconds of a command (cpu = user + sys, children
# included, which a busy machine disturbs less); its stdout goes to $out/last
best() {
	local bw="" bc="" w u s
	local TIMEFORMAT='%R %U %S'
	for _ in 1 2 3; do
		{ time "$@" >"$out/last"; } 2>"$out/time"
		read -r w u s <"$out/time"
		if [ -z "$bw" ] || awk -v a="$w" -v b="$bw" 'BEGIN{exit !(a < b)}'
		then bw=$w; fi
		c=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.3f", u + s }')
		if [ -z "$bc" ] || awk -v a="$c" -v b="$bc" 'BEGIN{exit !(a < b)}'
		then bc=$c; fi
	done
	echo "$bw $bc"
}

read -r t_bp c_bp < <(best bp-backtest --fee-bps "$fee" --long-only \
	"$out/bars.ndjson.zst")
lr_bp=$(jq -r .log_return "$out/last")
tr_bp=$(jq -r .trades "$out/last")
read -r t_bs c_bs < <(best bp-backtest --fee-bps "$fee" --long-only \
	--sma-cross 1,50 "$out/bars.ndjson.zst")
lr_bs=$(jq -r .log_return "$out/last")
read -r t_pn c_pn < <(best "$py" bench/backtest_pandas.py run \
	"$out/bars.ndjson.zst" "$fee")
lr_pn=$(jq -r .log_return "$out/last")
k_pn=$(jq -r .compute_seconds "$out/last")
read -r t_pc c_pc < <(best "$py" bench/backtest_pandas.py run \
	"$out/bars.csv" "$fee")
lr_pc=$(jq -r .log_return "$out/last")
k_pc=$(jq -r .compute_seconds "$out/last")
tr_pd=$(jq -r .trades "$out/last")
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo "?")

awk -v n="$n" -v tb="$t_bp" -v cb="$c_bp" -v ts="$t_bs" -v cs="$c_bs" \
	-v tn="$t_pn" -v cn="$c_pn" -v tc="$t_pc" -v cc="$c_pc" \
	-v lb="$lr_bp" -v ls="$lr_bs" -v ln="$lr_pn" -v lc="$lr_pc" \
	-v kn="$k_pn" -v kc="$k_pc" -v trb="$tr_bp" -v trp="$tr_pd" \
	-v load="$load" -v json="$out.json" '
function abs(x) { return x < 0 ? -x : x }
function row(name, t, c, lr) {
	printf "%-40s %7.3f %7.3f %8.2fM %21.15g\n", name, t, c, n / t / 1e6, lr
}
BEGIN {
	printf "%d bars, SMA(50) crossover long/flat, 10 bps fees, next-open; load average %s\n\n", n, load
	printf "%-40s %7s %7s %9s %21s\n", "", "wall s", "cpu s", "rows/s", "total log return"
	row("bp-backtest, zstd NDJSON", tb, cb, lb)
	row("bp-backtest --sma-cross 1,50, zstd", ts, cs, ls)
	row("pandas, zstd NDJSON (read_json)", tn, cn, ln)
	row("pandas, CSV (read_csv)", tc, cc, lc)
	printf "\npandas compute alone: %.3f s (NDJSON run), %.3f s (CSV run)\n", kn, kc
	printf "trades: bp-backtest %d, pandas entries %d\n", trb, trp
	printf "wall ratio  pandas NDJSON / bp-backtest %.1fx, pandas CSV / bp-backtest %.2fx\n", tn / tb, tc / tb
	printf "cpu ratio   pandas NDJSON / bp-backtest %.1fx, pandas CSV / bp-backtest %.2fx\n", cn / cb, cc / cb
	d1 = abs(lb - ln); d2 = abs(lb - lc)
	ok = d1 <= 1e-9 && d2 <= 1e-9
	printf "log return difference: %.3g (NDJSON), %.3g (CSV): %s\n", d1, d2,
		(ok ? "same to 1e-9" : "DIFFERENT")
	printf "targets (wall): >= 1M rows/s %s; >= 5x pandas on the stream %s; no slower than pandas from CSV %s\n",
		(n / tb >= 1e6 ? "met" : "MISSED"),
		(tn / tb >= 5 ? "met" : "MISSED"), (tb <= tc ? "met" : "MISSED")
	printf "{\"bars\":%d,\"load\":\"%s\",\"bp_seconds\":%.3f,\"bp_cpu_seconds\":%.3f,\"bp_sma_seconds\":%.3f,\"pandas_ndjson_seconds\":%.3f,\"pandas_ndjson_cpu_seconds\":%.3f,\"pandas_csv_seconds\":%.3f,\"pandas_csv_cpu_seconds\":%.3f,\"bp_rows_per_second\":%.0f,\"ratio_pandas_ndjson\":%.2f,\"ratio_pandas_csv\":%.2f,\"log_return_bp\":%.17g,\"log_return_pandas\":%.17g,\"same_log_return\":%s}\n",
		n, load, tb, cb, ts, tn, cn, tc, cc, n / tb, tn / tb, tc / tb,
		lb, ln, (ok ? "true" : "false") > json
	exit (ok ? 0 : 1)
}' | tee "$out.txt"
