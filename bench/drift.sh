#!/usr/bin/env bash
# bench/drift.sh: bp-drift's KS and PSI on 1,000,000 vs 1,000,000 values,
# read from two zstd streams, against scipy.stats.ks_2samp and numpy's PSI
# on the same values already in memory (bench/drift_peers.py).
# Data: bench/drift_gen.py (seeded), in bench/out/.  Times are the best of
# 3 runs, wall clock and CPU time (the machine may be shared: CPU time is
# the steadier figure; bp-drift reads its two inputs on two threads, so its
# wall time can be below its CPU time).  Results: bench/out/drift.txt and
# drift.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PWD/bin:$PATH
out=bench/out
py=/usr/bin/python3
mkdir -p "$out"
if [ ! -s "$out/drift-ref.ndjson.zst" ] || [ ! -s "$out/drift-cur.npy" ]; then
	"$py" bench/drift_gen.py "$out"
	zstd -q -f -1 "$out/drift-ref.ndjson" -o "$out/drift-ref.ndjson.zst"
	zstd -q -f -1 "$out/drift-cur.ndjson" -o "$out/drift-cur.ndjson.zst"
fi

# "WALL CPU": the best wall-clock and the best CPU (user + system) seconds
# of 3 runs of "$@" (exit 0 and 3 are both a report)
best_of_3() {
	local bw= bc= w c rc
	for _ in 1 2 3; do
		rc=0
		/usr/bin/time -f '%e %U %S' -o "$out/time.txt" "$@" >/dev/null ||
			rc=$?
		[ "$rc" -eq 0 ] || [ "$rc" -eq 3 ] ||
			{ echo "bench: $1 failed ($rc)" >&2; exit 1; }
		read -r w u s <"$out/time.txt"
		c=$(echo "$u + $s" | bc -l)
		if [ -z "$bw" ] || [ "$(echo "$w < $bw" | bc -l)" = 1 ]; then
			bw=$w
		fi
		if [ -z "$bc" ] || [ "$(echo "$c < $bc" | bc -l)" = 1 ]; then
			bc=$c
		fi
	done
	printf '%.3f %.3f\n' "$bw" "$bc"
}

report=$out/drift-report.json
bp-drift --json --ref "$out/drift-ref.ndjson.zst" \
	"$out/drift-cur.ndjson.zst" -o "$report" || [ $? -eq 3 ]
read -r t_all c_all < <(best_of_3 bp-drift --json --columns x \
	--ref "$out/drift-ref.ndjson.zst" "$out/drift-cur.ndjson.zst")
read -r t_plain c_plain < <(best_of_3 bp-drift --json --columns x \
	--ref "$out/drift-ref.ndjson" "$out/drift-cur.ndjson")
peers=$("$py" bench/drift_peers.py "$out" ${BENCH_FROM_STREAM:+--from-stream})
# the same KS and PSI on in-memory arrays, as the peers are timed
cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -Ilib bench/drift_core.c \
	lib/libbarpipe.a $(pkg-config --libs jansson libzstd) -lm -pthread \
	-o "$out/drift_core"
core=$("$out/drift_core" "$out/drift-ref.npy" "$out/drift-cur.npy")

{
	echo "bp-drift vs scipy/numpy: KS and PSI, 1,000,000 vs 1,000,000 values"
	echo "machine: $(nproc) cores, $(uname -m); load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "                                                  wall     CPU"
	printf 'bp-drift, every statistic, from zstd streams:   %6.3f  %6.3f s\n' \
		"$t_all" "$c_all"
	printf 'bp-drift, every statistic, from plain NDJSON:   %6.3f  %6.3f s\n' \
		"$t_plain" "$c_plain"
	jq -r '"bp-drift KS, in-memory arrays (sort, D, p):              \(.ks_seconds * 1000 | round / 1000) s",
		"bp-drift PSI, in-memory arrays (sort, bins):             \(.psi_seconds * 1000 | round / 1000) s"' <<<"$core"
	jq -r '"scipy.stats.ks_2samp, in-memory arrays:         \(.scipy_ks_seconds * 1000 | round / 1000)   \(.scipy_ks_cpu_seconds * 1000 | round / 1000) s",
		"numpy PSI, in-memory arrays:                    \(.numpy_psi_seconds * 1000 | round / 1000)   \(.numpy_psi_cpu_seconds * 1000 | round / 1000) s",
		if .pandas_read_seconds then
		"pandas read_json of the two streams:            \(.pandas_read_seconds * 1000 | round / 1000) s"
		else empty end' <<<"$peers"
	jq -r --slurpfile r "$report" '
		($r[0].columns[0].tests) as $t |
		"KS statistic: bp-drift \($t.ks.statistic), scipy \(.ks_statistic)",
		"KS p-value:   bp-drift \($t.ks.pvalue), scipy \(.ks_pvalue)",
		"PSI:          bp-drift \($t.psi.value), numpy \(.psi)"' <<<"$peers"
} | tee "$out/drift.txt"
jq -n --argjson p "$peers" --argjson c "$core" --arg all "$t_all" \
	--arg plain "$t_plain" --arg call "$c_all" --arg cplain "$c_plain" \
	'$p + {bp_drift_zstd_seconds: ($all | tonumber),
	       bp_drift_zstd_cpu_seconds: ($call | tonumber),
	       bp_drift_plain_seconds: ($plain | tonumber),
	       bp_drift_plain_cpu_seconds: ($cplain | tonumber),
	       bp_drift_core: $c}' >"$out/drift.json"
