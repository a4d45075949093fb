#!/usr/bin/env bash
# bench/cv.sh: bp-cv on 1,000,000 rows (500,000 hourly timestamps x 2
# symbols, a feature and label_up over 24 bars with its end): plan and
# split of purged 5-fold CV with an embargo, a walk-forward logreg run and
# a gbdt grid search on 1 and 2 threads;
# the peer is a vectorised numpy/pandas purged k-fold (Lopez de Prado's
# rule) reading the same stream, whose purged and embargoed counts must
# agree.  Results: bench/out/cv.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
data=$out/cv-1m.zst
if [ ! -f "$data" ]; then
	awk 'BEGIN { srand(11); t0 = 1577836800; c = 100
		split("31 29 31 30 31 30 31 31 30 31 30 31", ml)
		for (i = 0; i < 500000; i++) {
			h = i % 24; d = int(i / 24); y = 2000
			while (1) { yl = (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366 : 365
				if (d < yl) break; d -= yl; y++ }
			ml[2] = yl == 366 ? 29 : 28
			for (m = 1; d >= ml[m]; m++) d -= ml[m]
			ts[i] = sprintf("%04d-%02d-%02dT%02d:00:00Z", y, m, d + 1, h) }
		for (i = 0; i < 500000; i++) {
			for (s = 0; s < 2; s++) {
				x = rand() - 0.5
				if (i + 24 < 500000)
					printf "{\"ts\":\"%s\",\"symbol\":\"S%d\",\"f\":%.4f,\"label_up\":%d,\"label_up_end\":\"%s\"}\n", ts[i], s, x, (x + rand() - 0.5 > 0), ts[i + 24]
				else
					printf "{\"ts\":\"%s\",\"symbol\":\"S%d\",\"f\":%.4f,\"label_up\":null,\"label_up_end\":null}\n", ts[i], s, x
			} } }' | zstd -q -o "$data"
fi

t() {	# t NAME CMD...: seconds of one run
	local s e
	s=$(date +%s.%N)
	"${@:2}" >/dev/null
	e=$(date +%s.%N)
	printf '%-44s %7.2f s  %9.0f rows/s\n' "$1" "$(echo "$e - $s" | bc)" \
		"$(echo "1000000 / ($e - $s)" | bc)"
}

{
	echo "bp-cv on 1,000,000 rows (500,000 timestamps x 2 symbols), $(nproc) cores"
	t "plan purged-kfold K=5 embargo 0.01" bp-cv plan \
		--scheme purged-kfold --folds 5 --label label_up --embargo 0.01 \
		--json "$data"
	t "split purged-kfold K=5 (5M rows out, zstd)" bp-cv split \
		--scheme purged-kfold --folds 5 --label label_up --embargo 0.01 \
		"$data"
	t "plan cpcv N=6 k=2 (15 folds)" bp-cv plan --scheme cpcv \
		--label label_up --embargo 0.01 --json "$data"
	t "run walk-forward logreg (5 folds)" bp-cv run \
		--scheme walk-forward --train-size 100000 --test-size 80000 \
		--embargo 24 --model logreg --label label_up "$data"
	for th in 1 2; do
		t "search 4 gbdt sets x 5 folds, --threads $th" bp-cv search \
			--scheme walk-forward --train-size 100000 \
			--test-size 80000 --embargo 24 --model gbdt \
			--params n_estimators=20 --label label_up \
			--grid 'max_depth=3,6 learning_rate=0.05,0.1' \
			--threads "$th" "$data"
	done
	bp-cv plan --scheme purged-kfold --folds 5 --label label_up \
		--embargo 0.01 --json "$data" |
		jq -c '[.folds[] | [.purged, .embargoed]]' >"$out/cv-bpcv.json"
	s=$(date +%s.%N)
	/usr/bin/python3 - "$data" >"$out/cv-peer.json" <<'PY'
import io, json, subprocess, sys
import numpy as np, pandas as pd
raw = subprocess.run(["zstd", "-dc", sys.argv[1]], capture_output=True,
                     check=True).stdout
df = pd.read_json(io.BytesIO(raw), lines=True, dtype=False)
ts = pd.to_datetime(df["ts"]).values
end = pd.to_datetime(df["label_up_end"]).values
uniq = np.unique(ts)
t0 = np.searchsorted(uniq, ts)
t1 = np.where(pd.isnull(end), t0,
              np.searchsorted(uniq, end, side="right") - 1)
T, K, E = len(uniq), 5, int(0.01 * len(uniq))
bounds = [i * (T // K) + min(i, T % K) for i in range(K + 1)]
res = []
for f in range(K):
    lo, hi = bounds[f], bounds[f + 1]
    test = (t0 >= lo) & (t0 < hi)
    span_end = max(t1[test].max(), hi - 1)
    train = ~test
    purged = train & (t0 <= span_end) & (t1 >= lo)
    emb = train & ~purged & (t0 > span_end) & (t0 - span_end <= E)
    res.append([int(purged.sum()), int(emb.sum())])
print(json.dumps(res, separators=(",", ":")))
PY
	e=$(date +%s.%N)
	printf '%-44s %7.2f s  %9.0f rows/s\n' "peer: pandas+numpy purged k-fold counts" \
		"$(echo "$e - $s" | bc)" "$(echo "1000000 / ($e - $s)" | bc)"
	if cmp -s "$out/cv-bpcv.json" "$out/cv-peer.json"; then
		echo "purged and embargoed counts agree: $(cat "$out/cv-peer.json")"
	else
		echo "MISMATCH: bp-cv $(cat "$out/cv-bpcv.json") peer $(cat "$out/cv-peer.json")"
	fi
} | tee "$out/cv.txt"
