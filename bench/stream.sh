#!/usr/bin/env bash
# bench/stream.sh: the stream library's speed, next to jq and jansson.
#
# Builds the bench programs (bench/stream-*.c) against lib/libbarpipe.a,
# generates a seeded 1,000,000-row bar stream in bench/out/, and reports
# rows/s (best of three runs; jq and jansson run once), by wall clock and
# by the process's CPU time (which a busy machine disturbs less), for:
# read only, read+write plain, read+write zstd, read+convert every
# number+write zstd, `jq -c .` and a jansson json_loadb/json_dumpb loop.
# Then ns per number for the formatter and parser, and zstd speed and
# ratio per level on the bar stream and on a feature stream (bars + 20
# indicator columns).  Then the compression thread: the writer with and
# without it (BARPIPE_WRITER_THREADS=1/0) on the bar and the feature
# streams, bp-features on 1,000,000 bars alone, and the two-stage
# pipes bp-fetch csv | bp-features and bp-features | bp-backtest (the
# bars are bench/features.sh's, made by bench/features_gen.py when
# missing).  Results: bench/out/stream.txt.
#
#   ROWS=200000 bench/stream.sh      a quicker run
#   PIPES=0 bench/stream.sh          without the tools and pipes
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
rows=${ROWS:-1000000}
seed=20261121
pkgs="jansson libzstd sqlite3 libcurl"
res=$out/stream.txt

[ -f lib/libbarpipe.a ] || make -s lib/libbarpipe.a
for p in gen bench jansson fmt zlevel; do
	cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Ilib \
		$(pkg-config --cflags $pkgs) -o "$out/stream-$p" \
		"bench/stream-$p.c" lib/libbarpipe.a \
		$(pkg-config --libs $pkgs) -lcsv -lm -pthread
done

bars=$out/stream-bars.zst
plain=$out/stream-bars.ndjson
"$out/stream-gen" bars "$rows" "$seed" >"$bars"
"$out/stream-gen" bars "$rows" "$seed" plain >"$plain"
head -n 200000 "$plain" | "$out/stream-gen" features plain \
	>"$out/stream-features.ndjson"

# best of three: "WALL CPU" rows/s of `stream-bench ARGS...`
best3() {
	local i
	for i in 1 2 3; do
		"$out/stream-bench" "$@" 2>&1 >/dev/null
	done | awk '{ w = $1 / $2; c = $1 / $3
		if (w > bw) bw = w; if (c > bc) bc = c }
		END { printf "%.0f %.0f", bw, bc }'
}

# "WALL CPU" rows/s of a command (user + system time for CPU)
timed() {
	local TIMEFORMAT='%R %U %S'
	{ time "$@" >/dev/null 2>/dev/null; } 2>&1 |
		awk -v n="$rows" '{ printf "%.0f %.0f", n / $1, n / ($2 + $3) }'
}

line() {
	local w c
	read -r w c <<<"$2"
	printf '%-42s %14s %14s\n' "$1" "$w" "$c"
}

# twice NAME CMD: CMD without and with the thread that $VAR (default
# BARPIPE_WRITER_THREADS) turns on, $REPS times each (5), the two
# interleaved so that a change in the machine's load hits both; prints the
# best and the median wall time and the best CPU time (user + sys of every
# thread and child) of each
twice() {
	local i t f=$out/time.$$ var=${VAR:-BARPIPE_WRITER_THREADS}
	for i in $(seq "${REPS:-5}"); do
		for t in 0 1; do
			env "$var=$t" /usr/bin/time -f \
				"$t %e %U %S" -o "$f" bash -c "$2" \
				>/dev/null 2>&1
			cat "$f"
		done
	done | sort -k1,1n -k2,2n | awk -v name="$1" '
		{ n[$1]++; w[$1, n[$1]] = $2; c = $3 + $4
		  if (n[$1] == 1 || c < bc[$1]) bc[$1] = c }
		END { printf "%-42s", name
			for (t = 0; t <= 1; t++)
				printf " %5.2f %5.2f %5.2f", w[t, 1],
					w[t, int((n[t] + 1) / 2)], bc[t]
			printf "\n" }'
	rm -f "$f"
}

{
	cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
	echo "stream library, $rows bar rows (7 fields," \
		"$(($(wc -c <"$plain") / rows)) bytes/row plain)"
	echo "machine: $(nproc) cores, $cpu"
	echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo
	printf '%-42s %14s %14s\n' "rows/s, best of 3" "by wall clock" "by CPU time"
	line "read only, zstd in" "$(best3 read "$bars")"
	line "read only, plain in" "$(best3 read "$plain")"
	line "read+write, plain in -> plain out" "$(best3 copy "$plain" plain)"
	line "read+write, zstd in -> zstd out" "$(best3 copy "$bars")"
	line "read+numbers+write, zstd in -> zstd out" "$(best3 numbers "$bars")"
	if command -v jq >/dev/null; then
		line "jq -c . (plain in -> plain out)" "$(timed jq -c . "$plain")"
	else
		line "jq -c . (plain in -> plain out)" "- -"
	fi
	line "jansson loadb+dumpb (plain in -> plain out)" \
		"$("$out/stream-jansson" "$plain" 2>&1 >/dev/null |
			awk '{ printf "%.0f %.0f", $1 / $2, $1 / $3 }')"
	echo
	echo "number formatting and parsing, ns per number (1000000 each, CPU time):"
	"$out/stream-fmt" 1000000
	echo
	echo "zstd levels as the single-threaded writer uses them" \
		"(BARPIPE_WRITER_THREADS=0: 128 KiB chunks, checksum)," \
		"best of 3, CPU time:"
	echo "bar stream ($(($(wc -c <"$plain") / 1000000)) MB):"
	"$out/stream-zlevel" "$plain" -5 -3 -1 1 "1*" 3
	echo "feature stream, bars + 20 indicator columns" \
		"($(($(wc -c <"$out/stream-features.ndjson") / 1000000)) MB):"
	"$out/stream-zlevel" "$out/stream-features.ndjson" -5 -3 -1 1 "1*" 3
	# real bars when the shared data is there (BTC/ETH hourly, EURUSD
	# minutes) and the same 20 feature columns computed on them
	data=${BP_SHARED_DATA:-../shared/data}
	if [ -d "$data" ] && command -v python3 >/dev/null; then
		python3 bench/stream-real.py "$data" >"$out/stream-real.ndjson"
		"$out/stream-gen" features plain <"$out/stream-real.ndjson" \
			>"$out/stream-real-features.ndjson"
		echo "real bars from $data ($(wc -l <"$out/stream-real.ndjson") rows):"
		"$out/stream-zlevel" "$out/stream-real.ndjson" -5 -3 -1 1 "1*" 3
		echo "features on the real bars:"
		"$out/stream-zlevel" "$out/stream-real-features.ndjson" \
			-5 -3 -1 1 "1*" 3
	fi
	echo
	echo "the writer's compression thread (BARPIPE_WRITER_THREADS=1, the"
	echo "default on 2+ cores) against none (=0), ${REPS:-5} runs each," \
		"interleaved: wall seconds"
	echo "best and median, CPU seconds (user + sys, all threads) best;" \
		"load average now $(cut -d' ' -f1-3 /proc/loadavg)"
	printf '%-42s %17s %17s\n' "" "threads=0" "threads=1"
	printf '%-42s %17s %17s\n' "" "best  med   cpu" "best  med   cpu"
	feat=$out/stream-features.zst
	"$out/stream-gen" features <"$plain" >"$feat"
	twice "stream-bench copy, bars zstd -> zstd" \
		"$out/stream-bench copy $bars"
	twice "stream-bench copy, features zstd -> zstd" \
		"$out/stream-bench copy $feat"
	if [ "${PIPES:-1}" = 1 ] && [ -x bin/bp-features ]; then
		fb=$out/features-1m.ndjson.zst fc=$out/features-1m.csv
		[ -f "$fb" ] && [ -f "$fc" ] ||
			python3 bench/features_gen.py 7 1000000 "$fb" "$fc"
		job="-i sma:20 -i ema:20 -i rsi:14 -i macd:12,26,9"
		job="$job -i bbands:20,2 -i atr:14 --logret 1 --roll std:20"
		job="$job -i stoch:5,3,3"
		twice "bp-features, 1M bars zstd -> zstd" \
			"bin/bp-features $job -o $out/stream-f.zst $fb"
		twice "bp-fetch csv | bp-features" \
			"bin/bp-fetch csv --symbol BTCUSDT $fc |
			 bin/bp-features $job -o $out/stream-f.zst"
		twice "bp-features | bp-backtest --sma-cross" \
			"bin/bp-features $job $fb | bin/bp-backtest \
			 --sma-cross 20,50 -o $out/stream-bt.json"
		twice "bp-fetch csv | bp-features --plain" \
			"bin/bp-fetch csv --symbol BTCUSDT $fc |
			 bin/bp-features $job --plain >$out/stream-f.ndjson"
		twice "bp-features | bp-backtest --annotate" \
			"bin/bp-features $job $fb | bin/bp-backtest \
			 --sma-cross 20,50 --annotate -o $out/stream-bt.zst"
		echo
		echo "the reader's decoding thread (BARPIPE_READER_THREADS=1," \
			"the default on 2+ cores) against none (=0), the same way;"
		echo "load average now $(cut -d' ' -f1-3 /proc/loadavg)"
		printf '%-42s %17s %17s\n' "" "threads=0" "threads=1"
		printf '%-42s %17s %17s\n' "" "best  med   cpu" \
			"best  med   cpu"
		VAR=BARPIPE_READER_THREADS twice \
			"stream-bench read, bars zstd" "$out/stream-bench read $bars"
		VAR=BARPIPE_READER_THREADS twice \
			"bp-features, 1M bars zstd -> zstd" \
			"bin/bp-features $job -o $out/stream-f.zst $fb"
		VAR=BARPIPE_READER_THREADS twice \
			"bp-features | bp-backtest --sma-cross" \
			"bin/bp-features $job $fb | bin/bp-backtest \
			 --sma-cross 20,50 -o $out/stream-bt.json"
		VAR=BARPIPE_READER_THREADS twice \
			"bp-features | bp-backtest --annotate" \
			"bin/bp-features $job $fb | bin/bp-backtest \
			 --sma-cross 20,50 --annotate -o $out/stream-bt.zst"
		rm -f "$out/stream-f.zst" "$out/stream-f.ndjson" \
			"$out/stream-bt.json" "$out/stream-bt.zst"
	fi
	echo
	echo "the default level and why (lib/stream.h, measured here earlier):"
	sed -n '/Default zstd level/,/define BP_ZSTD_LEVEL_DEFAULT/p' \
		lib/stream.h | sed 's,^ \*/$,,; s,^ \* \{0\,1\},,'
} | tee "$res"
