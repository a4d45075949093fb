#!/usr/bin/env bash
# bench/models.sh: bp-train and bp-predict against xgboost and scikit-learn.
#
# The job (issue 4): the same files, the same split, the same settings
# (200 trees, depth 6, learning rate 0.1, 255 bins, 2 threads) for
#   gbdt   vs xgboost (tree_method=hist) and HistGradientBoostingClassifier
#   logreg vs LogisticRegression (C=1; our l2=1 is the same objective)
#   mlp    vs MLPClassifier(20,10), both 10 epochs
# on two data sets:
#   1. scikit-learn's make_classification(500000, 30, n_informative=10,
#      n_redundant=5, flip_y=0.01, random_state=42), written once as a
#      feature stream (bench/models_data.py); first 80% train, last 20%
#      test;
#   2. the 1,000,000-bar series of bench/features.sh (bench/features_gen.py)
#      through bp-features with strategies/rsi_gbdt.json, label_up; the
#      rows with every feature and the label, first 80% / last 20%
#      (bench/models_split.py writes both sides' files).
# Reported: train seconds (wall and CPU of the whole bp-train run, which
# includes reading the stream; and the fit alone from its log), predict
# rows/s (bp-predict from the zstd stream to a zstd stream, plain to
# plain, and in memory as predict_proba is: bench/models-predict.c), and
# test logloss and AUC computed by scikit-learn from our
# scores (bench/models_peers.py).  Python: Debian's /usr/bin/python3 with
# python3-sklearn and python3-xgboost.  Results: bench/out/models.txt.
#
# Also gbdt0: gbdt with boost_from_average=0, XGBoost 1.x's start (raw
# score 0, base_score 0.5); and the mlp over MLP_SEEDS (5) seeds a side.
#
# Measured here (2 cores of an AMD EPYC shared with other jobs, load
# average 1.5-2.3 during the run; CPU times count both threads):
#   synthetic set (400000 x 30 train, 100000 test)
#     gbdt    test logloss 0.06929, AUC 0.99401 (default); gbdt0 0.06842,
#             0.99405 = xgboost's 0.06842, 0.99405: with XGBoost's start
#             the 200 trees are XGBoost's (same features and cuts; leaves
#             within 3.4e-5, XGBoost rounding to single precision) and
#             80 of the 100000 test scores differ by more than 1e-4 (test
#             values between a cut and the training value below it).
#             Train: bp-train fit 5.5 s wall (whole run 7.8 s wall,
#             11.9 s CPU, 2.3 s of it reading the stream); xgboost fit
#             6.8 s wall, 13.3 s CPU.  The fit alone from memory (quiet
#             machine, 2 threads): barpipe 4.7 s wall, 8.2 s CPU; xgboost
#             6.0 s wall, 11.9 s CPU (its CPU time swells under load: its
#             threads spin while they wait; 35 s at load average 15).
#             sklearn HGB 8.0 s wall, 14.9 s CPU, 0.0689-0.0699 from run
#             to run (it bins a random subsample of 200000 rows).
#             Why 0.06929 and not 0.06842: the training is chaotic, and the
#             start alone moves the result by 1.3%; so does the row order,
#             for XGBoost too.  The same rows reversed and in three
#             shuffles (numpy default_rng(0..2).permutation): xgboost
#             0.06910 0.06929 0.06951 0.06972 (and 0.06842 as given, its
#             best of the five); gbdt0 the same five numbers; gbdt
#             0.06884 0.06865 0.06870 0.06875 (and 0.06929): mean 0.06885
#             against xgboost's 0.06921.
#     logreg  3.4 s CPU (whole run), 0.39899 / 0.90249; sklearn 0.69 s CPU,
#             0.39898 / 0.90249.
#     mlp     10 epochs 7.3 s CPU (whole run; sklearn's fit 8.6 s),
#             0.04765 / 0.99473 at seed 1 against sklearn's 0.04683 /
#             0.99450 at random_state 0.  Over seeds 1-5 against 0-4: mean
#             0.04824 (sd 0.00157, 0.04717-0.05094) against 0.04835 (sd
#             0.00113, 0.04683-0.04969).  Over 20 seeds a side (measured
#             apart): 0.04845 (sd 0.00150) against 0.04810 (sd 0.00147),
#             p = 0.46 (Welch): no difference the seeds can tell.  Given
#             the same initial weights and row order the Adam steps are
#             scikit-learn's (test-mlp); the input standardisation is
#             ours (unstandardised, 10 seeds: mean 0.04845, the same).
#     predict (200 trees) in memory 3.2M rows/s; through the pipe zstd ->
#             zstd 233k rows/s wall (the rows are ~820 bytes), plain to
#             plain 625k rows/s; xgboost predict_proba 680k rows/s.
#   1,000,000 bars, rsi_gbdt features (760142 train, 190036 test): a
#   random walk, nothing to learn: every model's AUC is 0.50-0.51; gbdt fit
#   4.7 s wall (whole run 11.0 s CPU), xgboost 6.2 s wall, 12.3 s CPU, HGB
#   8.4 s wall, 16.0 s CPU; gbdt0 0.69372 = xgboost's 0.69372.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
py=/usr/bin/python3
gbdt="n_estimators=200,max_depth=6,learning_rate=0.1,max_bin=255"
gbdt="$gbdt,early_stopping_rounds=0"
mlp=hidden=20,10,epochs=10,early_stopping_rounds=0
seeds=${MLP_SEEDS:-5}	# the mlp once more over this many seeds a side

# in-memory prediction speed of a model file (bench/models-predict.c)
. bench/lib.sh
build models-predict

# fit SECONDS of a bp-train -v log
fit_time() {
	sed -n 's/.*trained in \([0-9.]*\) s/\1/p' "$1"
}

# one data set: train our three models and the peers on TRAIN, test on TEST
run_set() {
	local name=$1 train=$2 test=$3 label=$4 feats=$5 rows
	rows=$(wc -l <"$test")
	zstd -qf "$test" -o "$test.zst"
	echo "== $name: $(wc -l <"$train") training rows, $rows test rows"
	for m in gbdt gbdt0 logreg mlp; do
		local params kind=$m
		case $m in
		gbdt) params=$gbdt ;;
		gbdt0) params=$gbdt,boost_from_average=0 kind=gbdt ;;
		logreg) params=l2=1 ;;
		mlp) params=$mlp ;;
		esac
		measure "bp-train -v --model $kind --label $label --features $feats \
			--params $params --valid-frac 0 --threads 2 --seed 1 \
			-o $out/$name-$m.json $train 2>$out/$name-$m.log"
		printf 'barpipe %-6s train %6.2f s wall %6.2f s cpu (fit %s s)' \
			"$m" "$W" "$C" "$(fit_time "$out/$name-$m.log")"
		measure "bp-predict --model $out/$name-$m.json \
			-o $out/$name-$m.pred.zst $test.zst"
		printf '   predict %8.0f rows/s wall (%.0f cpu)' \
			"$(echo "$rows / $W" | bc)" "$(echo "$rows / $C" | bc)"
		measure "bp-predict --model $out/$name-$m.json --plain $test"
		printf ', plain %8.0f rows/s' "$(echo "$rows / $W" | bc)"
		read -r mw mc < <("$out/models-predict" "$out/$name-$m.json" \
			"$test")
		printf ', in memory %8.0f rows/s wall (%.0f cpu)\n' "$mw" "$mc"
	done
	$py bench/models_peers.py "$train" "$test" "$label" "$feats" \
		"barpipe-gbdt=$out/$name-gbdt.pred.zst" \
		"barpipe-gbdt0=$out/$name-gbdt0.pred.zst" \
		"barpipe-lr=$out/$name-logreg.pred.zst" \
		"barpipe-mlp=$out/$name-mlp.pred.zst"
	echo
}

# the mlp against MLPClassifier over seeds 1..$seeds (random_state 0..)
mlp_seeds() {
	local name=$1 train=$2 test=$3 label=$4 feats=$5 seed preds=()
	[ "$seeds" -gt 0 ] || return 0
	echo "== $name: mlp over $seeds seeds a side"
	for seed in $(seq 1 "$seeds"); do
		measure "bp-train -q --model mlp --label $label --features $feats \
			--params $mlp --valid-frac 0 --seed $seed \
			-o $out/$name-mlp-s$seed.json $train"
		printf 'barpipe mlp seed %d train %6.2f s wall %6.2f s cpu\n' \
			"$seed" "$W" "$C"
		bp-predict --model "$out/$name-mlp-s$seed.json" \
			-o "$out/$name-mlp-s$seed.pred.zst" "$test.zst"
		preds+=("barpipe-mlp-s$seed=$out/$name-mlp-s$seed.pred.zst")
	done
	PEERS=sklearn-mlp SEEDS=$seeds $py bench/models_peers.py "$train" \
		"$test" "$label" "$feats" "${preds[@]}"
	echo
}

{
	echo "bp-train / bp-predict against xgboost $($py -c 'import xgboost;
print(xgboost.__version__)') and scikit-learn $($py -c 'import sklearn;
print(sklearn.__version__)')"
	echo "$(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo

	synth=$out/models-synth.ndjson
	[ -s "$synth" ] || $py bench/models_data.py "$synth" 500000
	head -n 400000 "$synth" >"$out/models-synth.train.ndjson"
	tail -n 100000 "$synth" >"$out/models-synth.test.ndjson"
	feats=$(seq -f 'f%02g' 0 29 | paste -sd,)
	run_set synth "$out/models-synth.train.ndjson" \
		"$out/models-synth.test.ndjson" label_up "$feats"
	mlp_seeds synth "$out/models-synth.train.ndjson" \
		"$out/models-synth.test.ndjson" label_up "$feats"

	if [ -f bench/features_gen.py ] && [ -f strategies/rsi_gbdt.json ]; then
		bars=$out/features-1m.ndjson.zst
		[ -f "$bars" ] || $py bench/features_gen.py 7 1000000 "$bars" \
			"$out/features-1m.csv"
		fs=$out/models-1m.features.zst
		[ -s "$fs" ] || bp-features --spec strategies/rsi_gbdt.json \
			-o "$fs" "$bars"
		feats=$(jq -r '.model.features | join(",")' strategies/rsi_gbdt.json)
		$py bench/models_split.py "$fs" "$out/models-1m.train.ndjson" \
			"$out/models-1m.test.ndjson" label_up "$feats"
		run_set bars1m "$out/models-1m.train.ndjson" \
			"$out/models-1m.test.ndjson" label_up "$feats"
	else
		echo "(no bench/features_gen.py: the 1,000,000-bar set is skipped)"
	fi
} | tee "$out/models.txt"
