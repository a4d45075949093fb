#!/usr/bin/env bash
# bench/predict.sh: bp-predict's speed with a 200-tree gbdt, in memory and
# through pipes, against xgboost's predict_proba.
#
# The job (issue 4): "predict at least a million rows per second through
# the pipe for a 200-tree model".  The model is bench/models.sh's gbdt on
# the synthetic set (200 trees, depth 6, 30 features; trained here the
# same way when models.sh has not run); the rows are its 100,000 test
# rows ten times over with increasing timestamps: 1,000,000 rows of
# ~820 bytes (ts, symbol, 30 features in shortest round-trip form,
# label).  Measured, each once, wall and CPU time of every process of the
# pipe:
#   in memory   bench/models-predict.c (one thread), the compiled forest
#               (lib/forest.h) and the model's own batch predictor, and
#               xgboost's predict_proba on the same rows (2 threads);
#   plain       cat ROWS | bp-predict --plain | cat >/dev/null
#   zstd>plain  zstd -dc ROWS.zst | bp-predict --plain | cat >/dev/null
#   zstd>zstd   cat ROWS.zst | bp-predict | cat >/dev/null
#   file        bp-predict -o OUT.zst ROWS.zst
# each with every column and with --keep ts,symbol, and with --threads 1;
# and, to see what the compression of wide rows costs by itself, zstd's
# own level 1 on the plain output and its decompression of the input.
# Results: bench/out/predict.txt.
#
# Measured here (2 vCPUs of an AMD EPYC (Zen 4) shared with other jobs:
# load average 2-4 during the runs, and two CPU-bound processes started
# together each took twice as long as one alone, so about one core was
# ours: wall times are close to CPU times, and the CPU times are the
# steadier measure):
#   in memory, one thread: the compiled forest 3.37M rows/s (AVX-512; its
#     portable C evaluator 0.64M), the model's own batch predictor 0.62M,
#     xgboost's predict_proba 0.32M rows/s on two threads;
#   pipes, rows/s per CPU second of every process of the pipe (before
#     this work: bp-predict of main at 6605663, same machine, same hour):
#     plain > plain            392k  (230k)  2.24 s wall (5.57 s)
#     zstd -dc > plain         334k  (200k)  3.00 s wall (4.72 s)
#     zstd > zstd file (-o)    191k  (129k)  5.39 s wall (8.03 s)
#     with --keep ts,symbol: plain 474k, zstd > zstd 372k per CPU s.
#   Where the CPU goes (perf, bp-predict --threads 1, plain, 1.9 s per
#   million rows): bp_parse_double 40% (23 ns a number, 30 a row),
#   the row scan 18%, the forest 16% (ranks 6%, trees 10%), reading
#   the input 8%, formatting 2%.  zstd > zstd: the writer's compression
#   thread alone is 2.5 s per million rows of 850 bytes (45% of all the
#   CPU; zstd's CLI at level 1: 4.4 s), its decoding 1 s: one compressing
#   thread cannot pass 400k full rows a second, whatever the scoring.
#   A million rows a second through a pipe needs two free cores, the
#   narrow rows of --keep or plain output, and faster number parsing.
# Later, on a quieter machine (load 1-1.6), after pipes got 1 MiB buffers
# (lib/stream.c) and parsing four digits at a step, main at 921a34b+,
# wall time, 1,000,000 rows:
#     bp-predict --plain -o /dev/null ROWS     0.87 s  (1.15M rows/s)
#     bp-predict --plain <ROWS | cat           1.09 s  (917k)
#     cat ROWS | bp-predict --plain | cat      1.35 s  (740k; 1.12 s best
#                                                seen), --keep 1.15 s
#     bp-predict -o OUT.zst ROWS.zst           2.82 s  (355k), --keep
#                                                1.63 s (613k)
#   Two pipes of plain 820-byte rows cost the kernel 0.6-0.8 s of copying
#   a million (sys time), on the same two cores.
# After the row match finder (lib/zrows) became the stream's compressor
# (load 0.5-1.8, the input rows recompressed by barpipe's writer):
#     bp-predict -o OUT.zst ROWS.zst           2.59 s  (386k; was 2.82 s)
#     cat ROWS.zst | bp-predict | cat          2.39-2.63 s  (380-420k)
#     cat ROWS.zst | bp-predict --keep ts,symbol | cat   1.46 s  (685k)
#     cat ROWS | bp-predict --plain | cat      1.15-1.27 s  (790-870k)
#     bp-predict --plain -o /dev/null ROWS     0.85 s  (1.18M)
#     cat ROWS | cat                           0.51-0.64 s
#   zstd > zstd is 3.8-4.1 s of CPU a million rows (its writer alone 1.6 s
#   to compress 850 MB at 540 MB/s), so two cores cannot pass 500k rows
#   a second that way; plain through two cats needs 2.15 s of CPU, of which
#   bp-predict 1.55 s (parsing 30 numbers a row 0.6 s, the row scan 0.3 s,
#   the forest 0.3 s).
# After numbers are read by AVX-512 (lib/fmt.c: 13 ns a number, was 22)
# and each feature's value is checked once, as it is read (main at
# 69d22d4, load 0.5-1.6, wall time, 1,000,000 rows):
#     bp-predict --plain -o /dev/null ROWS     0.61-0.69 s  (1.45-1.64M)
#     cat ROWS | bp-predict --plain >/dev/null 0.80-0.89 s  (1.12-1.25M)
#     bp-predict --plain <ROWS | cat           0.89-0.98 s  (1.02-1.12M)
#     cat ROWS | bp-predict --plain | cat      0.89-1.15 s  (870k-1.12M;
#                                                median of 20 runs
#                                                0.98 s, 1.02M)
#     cat ROWS | cat | cat                     0.42-0.88 s  (the pipes alone)
#     cat BP.zst | bp-predict | cat            2.17-2.62 s  (380-460k)
#     cat BP.zst | bp-predict --keep ts,symbol | cat   1.06-1.35 s
#   (BP.zst: the rows as a barpipe tool writes them, which zstd decodes
#   at 1.2 GB/s; ROWS.zst, zstd's CLI at its default level, at 0.7.)
#   bp-predict takes 1.28 s of CPU a million rows through two pipes (1.04
#   user: numbers 0.4, the forest 0.27, the row scan 0.13; 0.24 system:
#   the pipes' copies), the cats 0.35 s.  zstd > zstd of every column is
#   still bound by compressing 850 MB of output (1.4 s of CPU) on top.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
py=/usr/bin/python3
export PATH=$PWD/bin:$PATH
gbdt="n_estimators=200,max_depth=6,learning_rate=0.1,max_bin=255"
gbdt="$gbdt,early_stopping_rounds=0"
feats=$(seq -f 'f%02g' 0 29 | paste -sd,)

. bench/lib.sh
build models-predict stream-bench

# the model and the rows (as bench/models.sh makes them)
synth=$out/models-synth.ndjson
train=$out/models-synth.train.ndjson
test=$out/models-synth.test.ndjson
model=$out/synth-gbdt.json
[ -s "$synth" ] || $py bench/models_data.py "$synth" 500000
[ -s "$train" ] || head -n 400000 "$synth" >"$train"
[ -s "$test" ] || tail -n 100000 "$synth" >"$test"
[ -s "$model" ] || bp-train -q --model gbdt --label label_up \
	--features "$feats" --params "$gbdt" --valid-frac 0 --threads 2 \
	--seed 1 -o "$model" "$train"
rows=$out/predict-1m.ndjson
if [ ! -s "$rows" ]; then
	$py - "$test" "$rows" <<'EOF'
import datetime, sys
lines = open(sys.argv[1]).read().splitlines()
t0 = datetime.datetime(2040, 1, 1)
with open(sys.argv[2], "w") as f:
    for i in range(1000000):
        l = lines[i % len(lines)]
        ts = (t0 + datetime.timedelta(hours=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        f.write('{"ts":"' + ts + '"' + l[l.index(","):] + "\n")
EOF
	zstd -q -f "$rows" -o "$rows.zst"
fi
# the same rows as a barpipe tool writes them (the row match finder,
# lib/zrows), as bp-predict gets them from bp-features in a pipeline
bprows=$out/predict-1m.bp.zst
[ -s "$bprows" ] || "$out/stream-bench" copy "$rows" >"$bprows" 2>/dev/null
n=1000000

# line NAME CMD: one measured pipe as a line of the table
line() {
	measure "$2"
	printf '%-34s %6.2f s wall %6.2f s cpu %9.0f rows/s %9.0f per cpu s\n' \
		"$1" "$W" "$C" "$(echo "$n / $W" | bc)" "$(echo "$n / $C" | bc)"
}

m="--model $model"
{
	echo "bp-predict, 200-tree gbdt (depth 6, 30 features), $n rows of" \
		"$(($(wc -c <"$rows") / n)) bytes"
	echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo |
		cut -d: -f2 | sed 's/^ //')), load average" \
		"$(cut -d' ' -f1-3 /proc/loadavg) before"
	echo
	echo "in memory, one thread (rows/s wall, per cpu s):"
	for way in auto scalar model; do
		read -r mw mc < <("$out/models-predict" "$model" "$rows" $way)
		printf '  %-32s %9s %9s\n' "$way" "$mw" "$mc"
	done
	read -r _ xw xc < <($py bench/predict_xgb.py "$train" "$rows" \
		label_up "$feats")
	printf '  %-32s %9s %9s\n' "xgboost predict_proba (2 thr)" "$xw" "$xc"
	echo
	echo "through pipes (wall and cpu of every process of the pipe):"
	line "plain > plain" \
		"cat $rows | bp-predict $m --plain | cat >/dev/null"
	line "plain > plain, --threads 1" \
		"cat $rows | bp-predict $m --plain --threads 1 | cat >/dev/null"
	line "zstd -dc > plain" \
		"zstd -dc $rows.zst | bp-predict $m --plain | cat >/dev/null"
	line "zstd > zstd" \
		"cat $rows.zst | bp-predict $m | cat >/dev/null"
	line "zstd > zstd, --threads 1" \
		"cat $rows.zst | bp-predict $m --threads 1 | cat >/dev/null"
	line "zstd > zstd file (-o)" \
		"bp-predict $m -o $out/predict-out.zst $rows.zst"
	line "barpipe's zstd > plain" \
		"cat $bprows | bp-predict $m --plain | cat >/dev/null"
	line "barpipe's zstd > zstd" \
		"cat $bprows | bp-predict $m | cat >/dev/null"
	k="--keep ts,symbol"
	line "plain > plain, $k" \
		"cat $rows | bp-predict $m $k --plain | cat >/dev/null"
	line "zstd -dc > plain, $k" \
		"zstd -dc $rows.zst | bp-predict $m $k --plain | cat >/dev/null"
	line "zstd > zstd, $k" \
		"cat $rows.zst | bp-predict $m $k | cat >/dev/null"
	line "zstd > zstd file (-o), $k" \
		"bp-predict $m $k -o $out/predict-out.zst $rows.zst"
	line "barpipe's zstd > zstd, $k" \
		"cat $bprows | bp-predict $m $k | cat >/dev/null"
	echo
	echo "what zstd costs by itself (zstd 1.5 CLI, one thread):"
	bp-predict $m --plain -o "$out/predict-out.ndjson" "$rows"
	line "decompress the input" "zstd -dc $rows.zst >/dev/null"
	line "decompress barpipe's input" "zstd -dc $bprows >/dev/null"
	line "compress the output, level 1" \
		"zstd -1 -c $out/predict-out.ndjson >/dev/null"
	line "cat plain > cat (the pipes alone)" \
		"cat $rows | cat >/dev/null"
	rm -f "$out/predict-out.ndjson" "$out/predict-out.zst"
	echo
	echo "load average $(cut -d' ' -f1-3 /proc/loadavg) after"
} | tee "$out/predict.txt"
