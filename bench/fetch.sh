#!/usr/bin/env bash
# bench/fetch.sh: bp-fetch's CSV path against pandas.read_csv.
# Generates a 1,000,000-row Binance kline file (12 columns, ~114 MB) and a
# newest-first copy in bench/out/ (once), then times:
#   bp-fetch validate      libcsv parse + checks + sort, summary only
#   bp-fetch csv --plain   the same + the NDJSON bar stream
#   bp-fetch csv (zstd)    the same, zstd-compressed (the default on pipes)
#   bp-fetch csv newest-first input (the reverse-and-check path)
#   pandas.read_csv        parse only (the peer), when python3-pandas exists
# Reports wall seconds and rows/s on wall and on user+system CPU time
# (the CPU figure is steadier on a busy machine).  Results: bench/out/fetch.txt
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/bin:$PATH
out=bench/out
mkdir -p "$out"
csv=$out/fetch-binance.csv
rev=$out/fetch-binance-rev.csv
rows=1000000

if [ ! -s "$csv" ] || [ "$(wc -l <"$csv")" -ne "$rows" ]; then
	# a random walk of 1-minute klines, deterministic (awk's srand(1))
	awk -v n="$rows" 'BEGIN {
		srand(1); t = 1502942400000; p = 4000
		for (i = 0; i < n; i++) {
			o = p; c = p * (1 + (rand() - 0.5) * 0.004)
			h = (o > c ? o : c) * (1 + rand() * 0.001)
			l = (o < c ? o : c) * (1 - rand() * 0.001)
			v = rand() * 1000
			printf "%.0f,%.2f,%.2f,%.2f,%.2f,%.5f,%.0f,%.8f,%d,%.5f,%.8f,0\n",
				t, o, h, l, c, v, t + 59999, v * c,
				int(rand() * 5000) + 1, v / 2, v * c / 2
			p = c; t += 60000
		}
	}' >"$csv"
fi
[ -s "$rev" ] || tac "$csv" >"$rev"

report=$out/fetch.txt
: >"$report"
# run NAME CMD...: time CMD (output discarded), print wall s and rows/s
run() {
	local name=$1 t
	shift
	/usr/bin/time -o "$out/fetch.time" -f '%e %U %S' "$@" >/dev/null
	t=$(tail -n1 "$out/fetch.time")
	awk -v name="$name" -v n="$rows" -v t="$t" 'BEGIN {
		split(t, a, " "); cpu = a[2] + a[3]
		printf "%-34s %6.2f s wall %8.0f rows/s wall %8.0f rows/s cpu\n",
			name, a[1], n / a[1], (cpu > 0 ? n / cpu : 0)
	}' | tee -a "$report"
}

echo "bp-fetch CSV path, $rows Binance kline rows ($(du -h "$csv" | cut -f1)); load: $(cut -d' ' -f1-3 /proc/loadavg)" |
	tee -a "$report"
run "bp-fetch validate" bp-fetch validate "$csv"
run "bp-fetch csv --plain" bp-fetch csv --symbol X --plain -o /dev/null "$csv"
run "bp-fetch csv (zstd)" bp-fetch csv --symbol X -o /dev/null "$csv"
run "bp-fetch csv --plain, newest first" \
	bp-fetch csv --symbol X --plain -o /dev/null "$rev"
# Debian's python3 (where python3-pandas lives), even when another python3
# comes first on PATH
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if "$py" -c 'import pandas' 2>/dev/null; then
	run "pandas.read_csv (parse only)" "$py" -c \
		"import pandas, sys; pandas.read_csv(sys.argv[1], header=None)" "$csv"
else
	echo "pandas.read_csv: python3-pandas not installed" | tee -a "$report"
fi
