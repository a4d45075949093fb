#!/usr/bin/env bats
# bp-drift: two-sample drift against scipy/numpy/scikit-learn values,
# severity and exit codes, Prometheus text, windows, bad input, and the
# streaming detectors on a stream with a known change point.
load helper

setup() { bp_setup; }

D=$FIX/drift

# compare REPORT: every statistic of expected.json within its tolerance.
# KS statistic 1e-12 and p-value 1e-6 (the contract with scipy); the other
# figures are sums of the same terms in another order: 1e-9 relative.
check_expected() {
	jq -n --slurpfile r "$1" --slurpfile e "$D/expected.json" '
		def close($got; $want; $tol):
			if $want == null then $got == null
			else ($got != null) and
			     (($got - $want) | fabs) <= $tol * ([1, ($want | fabs)] | max)
			end;
		$r[0] as $r | $e[0] as $e |
		[ $e.columns | to_entries[] | .key as $c | .value as $x |
		  (if $c == "score" then $r.prediction.score
		   else ($r.columns[] | select(.column == $c)) end) as $g |
		  ( [$c, "n_ref", $g.n_ref == $x.n_ref],
		    [$c, "n_cur", $g.n_cur == $x.n_cur],
		    [$c, "null_ref", close($g.tests.null_rate.ref; $x.null_ref; 1e-12)],
		    [$c, "null_cur", close($g.tests.null_rate.cur; $x.null_cur; 1e-12)],
		    if $x.ks_statistic == null then
			[$c, "skipped", ($g.skipped | type) == "string" and $g.tests.ks == null]
		    else
		    ( [$c, "ks_statistic", close($g.tests.ks.statistic; $x.ks_statistic; 1e-12)],
		      [$c, "ks_pvalue", close($g.tests.ks.pvalue; $x.ks_pvalue; 1e-6)],
		      [$c, "psi", close($g.tests.psi.value; $x.psi; 1e-9)],
		      [$c, "bins", $g.tests.psi.bins == $x.bins],
		      [$c, "js", close($g.tests.js.value; $x.js; 1e-9)],
		      [$c, "w1", close($g.tests.wasserstein.value; $x.w1; 1e-9)],
		      [$c, "mean_ref", close($g.mean_ref; $x.mean_ref; 1e-9)],
		      [$c, "mean_cur", close($g.mean_cur; $x.mean_cur; 1e-9)],
		      [$c, "sd_ref", close($g.sd_ref; $x.sd_ref; 1e-9)],
		      [$c, "sd_cur", close($g.sd_cur; $x.sd_cur; 1e-9)] )
		    end ) ] |
		map(select(.[2] | not)) | if length == 0 then "ok" else . end'
}

# the synthetic stream for the detectors: symbols A and B interleaved,
# 1200 values each of an Irwin-Hall normal (sum of 12 uniforms - 6, sd 1)
# from the minstd generator (exact in awk's doubles), with A shifted by one
# standard deviation from its row 1000 on; B never changes.
change_stream() {
	awk 'function ts(i,  d, m) { d = int(i / 24); m = 1
		if (d >= 31) { d -= 31; m = 2 }
		return sprintf("2024-%02d-%02dT%02d:00:00Z", m, d + 1, i % 24) }
	BEGIN { s = 20240101
		for (i = 0; i < 1200; i++) for (k = 0; k < 2; k++) {
			z = 0
			for (j = 0; j < 12; j++) {
				s = (s * 48271) % 2147483647; z += s / 2147483647 }
			z -= 6
			if (k == 0 && i >= 1000) z += 1
			printf "{\"ts\":\"%s\",\"symbol\":\"%s\",\"x\":%.4f}\n",
				ts(i), k ? "B" : "A", z } }'
}

man_blocks() {
	awk -v sec="$1" '
		/^\.Sh / { on = ($0 == ".Sh " sec); next }
		!on { next }
		/^\.Bd/ { inbd = 1; next }
		/^\.Ed/ { inbd = 0; next }
		inbd && /^\$ / { cmd = substr($0, 3); cont = (cmd ~ /\\e$/)
			if (!cont) print cmd; else sub(/\\e$/, "", cmd); next }
		inbd && cont { line = $0; sub(/^ +/, " ", line)
			cont = (line ~ /\\e$/); sub(/\\e$/, "", line)
			cmd = cmd line; if (!cont) print cmd }
	' "$ROOT/man/man1/bp-drift.1" | sed 's/\\e/\\/g; s/  */ /g'
}

# no prediction section (the fixture's score and signal drift too)
NO_PRED=(--score no_score --signal no_signal)
# thresholds that grade nothing but PSI, and only the columns asked for
PSI_ONLY=(--ks-p 0,0,0 --js 2,2,2 --wasserstein 1e9,1e9,1e9
	--mean-shift 1e9,1e9,1e9 --std-shift 1e9,1e9,1e9
	--null-rate 2,2,2 "${NO_PRED[@]}")

# ---- conventions ----------------------------------------------------------

@test "bp-drift: --help prints usage on stdout and exits 0" {
	run -0 --separate-stderr bp-drift --help
	[[ $output == "usage: bp-drift [compare]"* ]]
	[[ $output == *"bp-drift detect --method"* ]]
	[[ $output == *"See bp-drift(1)."* ]]
	[ -z "$stderr" ]
	run -0 --separate-stderr bp-drift detect --help
	[[ $output == "usage: bp-drift detect"* ]]
	[[ $output == *"--annotate"* ]]
}

@test "bp-drift: --version is one line" {
	run -0 bp-drift --version
	[[ $output =~ ^bp-drift\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
}

@test "bp-drift: unknown options and bad values exit 2" {
	run -2 --separate-stderr bp-drift --bogus
	[[ $stderr == *"unknown option '--bogus'"* ]]
	[[ $stderr == *"Try 'bp-drift --help'."* ]]
	run -2 --separate-stderr bp-drift --ref "$D/ref.ndjson" --bins 0
	[[ $stderr == *"--bins: '0' is not an integer"* ]]
	run -2 --separate-stderr bp-drift --ref "$D/ref.ndjson" --psi 0.5,0.1,0.2
	[[ $stderr == *"--psi: '0.5,0.1,0.2' is not increasing"* ]]
	run -2 --separate-stderr bp-drift --ref "$D/ref.ndjson" --ks-p 0.01,0.05,0.1
	[[ $stderr == *"is not decreasing"* ]]
	run -2 --separate-stderr bp-drift --ref "$D/ref.ndjson" --psi 0.1,x,0.3
	[[ $stderr == *"'x' is not a number"* ]]
	run -2 --separate-stderr bp-drift --ref "$D/ref.ndjson" --psi 0.1,0.2
	[[ $stderr == *"needs 3"* ]]
	run -2 --separate-stderr bp-drift --ref "$D/ref.ndjson" --fail-on SEVERE
	[[ $stderr == *"'SEVERE' is not a level"* ]]
	run -2 --separate-stderr bp-drift --ref-window 2024-13-01.. --cur-window last:1d
	[[ $stderr == *"--ref-window: '2024-13-01..' is not a window"* ]]
	run -2 --separate-stderr bp-drift --ref-window first:0% --cur-window last:1d
	[[ $stderr == *"is not a window"* ]]
	run -2 --separate-stderr bp-drift --ref-window ..2024-01-02
	[[ $stderr == *"--cur-window is required"* ]]
	run -2 --separate-stderr bp-drift "$D/cur.ndjson"
	[[ $stderr == *"--ref or --ref-window is required"* ]]
	run -2 --separate-stderr bp-drift --ref "$D/ref.ndjson" --json --table
	[[ $stderr == *"exclude each other"* ]]
	run -2 --separate-stderr bp-drift --ref - -
	[[ $stderr == *"cannot both be stdin"* ]]
	run -2 --separate-stderr bp-drift --ref a b c
	[[ $stderr == *"too many inputs"* ]]
	run -2 --separate-stderr bp-drift --ref "$D/ref.ndjson" --task guess
	[[ $stderr == *"--task"* ]]
	run -2 --separate-stderr bp-drift --ref "$D/ref.ndjson" --columns a,,b
	[[ $stderr == *"--columns"* ]]
	run -2 --separate-stderr bp-drift --ref
	[[ $stderr == *"needs a value"* ]]
}

@test "bp-drift detect: bad options exit 2" {
	run -2 --separate-stderr bp-drift detect --column x
	[[ $stderr == *"--method and --column are required"* ]]
	run -2 --separate-stderr bp-drift detect --method kalman --column x
	[[ $stderr == *"--method"* ]]
	run -2 --separate-stderr bp-drift detect --method adwin --column x --ref r
	[[ $stderr == *"'--ref' is not an option of bp-drift detect"* ]]
	run -2 --separate-stderr bp-drift --ref r --method adwin
	[[ $stderr == *"'--method' is not an option of bp-drift compare"* ]]
	run -2 --separate-stderr bp-drift detect --method cusum --column x --warmup 1
	[[ $stderr == *"--warmup"* ]]
	run -2 --separate-stderr bp-drift detect --method page-hinkley --column x --alpha 2
	[[ $stderr == *"--alpha"* ]]
}

@test "bp-drift: a missing input exits 1 naming the file" {
	run -1 --separate-stderr bp-drift --ref nope.ndjson "$D/cur.ndjson"
	[[ $stderr == *"bp-drift: cannot open 'nope.ndjson'"* ]]
	run -1 --separate-stderr bp-drift --ref "$D/ref.ndjson" gone.zst
	[[ $stderr == *"cannot open 'gone.zst'"* ]]
	run -1 --separate-stderr bp-drift detect --method adwin --column x gone.zst
	[[ $stderr == *"cannot open 'gone.zst'"* ]]
}

@test "bp-drift: truncated zstd input exits 1" {
	zstd -q -c "$D/cur.ndjson" | head -c 50 >trunc.zst
	run -1 --separate-stderr bp-drift --ref "$D/ref.ndjson" trunc.zst
	[[ $stderr == *"trunc.zst"* ]]
	run -1 --separate-stderr bp-drift detect --method adwin --column a trunc.zst
	[[ $stderr == *"trunc.zst"* ]]
}

@test "bp-drift: writing to a full disk exits 1" {
	run -1 --separate-stderr bash -c \
		"bp-drift --json --ref '$D/ref.ndjson' '$D/cur.ndjson' >/dev/full"
	[[ $stderr == *"bp-drift:"* ]]
	run -1 --separate-stderr bash -c \
		"bp-drift --table --ref '$D/ref.ndjson' '$D/cur.ndjson' >/dev/full"
	run -1 --separate-stderr bash -c \
		"bp-drift detect --method adwin --column a --annotate --plain '$D/ref.ndjson' >/dev/full"
}

@test "bp-drift: a failed run leaves no -o or --prom file behind" {
	mkdir out
	run -1 --separate-stderr bp-drift --ref "$D/ref.ndjson" --columns nope \
		-o out/report.json --prom out/drift.prom "$D/cur.ndjson"
	[ ! -e out/report.json ] && [ ! -e out/drift.prom ]
	zstd -q -c "$D/ref.ndjson" | head -c 200 >trunc.zst
	run -1 bp-drift detect --method cusum --column a -o out/det.zst trunc.zst
	[ ! -e out/det.zst ]
	no_temp_left out
	# an unwritable Prometheus path: exit 1, report still atomic
	run -1 --separate-stderr bp-drift --ref "$D/ref.ndjson" -o out/r.json \
		--prom nodir/drift.prom "$D/cur.ndjson"
	[[ $stderr == *"nodir/drift.prom"* ]]
	no_temp_left out
}

# ---- the numbers ----------------------------------------------------------

@test "bp-drift: every statistic matches scipy, numpy (ties, tiny, unequal, constant, null)" {
	run -3 bp-drift --json --ref "$D/ref.ndjson" "$D/cur.ndjson" -o r.json
	run -0 check_expected r.json
	[ "$output" = '"ok"' ]
}

@test "bp-drift: the expected-values check can fail" {
	bp-drift --ref "$D/ref.ndjson" "$D/cur.ndjson" -o r.json || true
	jq '(.columns[] | select(.column == "a") | .tests.ks.pvalue) += 2e-6' \
		r.json >bad.json
	run -0 check_expected bad.json
	[[ $output == *'"ks_pvalue"'* ]]
}

@test "bp-drift: constant and all-null columns have defined results" {
	bp-drift --ref "$D/ref.ndjson" "$D/cur.ndjson" -o r.json || true
	col() { jq -c --arg c "$1" '.columns[] | select(.column == $c)' r.json; }
	# identical constants: D = 0, p = 1, PSI 0 on two bins, sd figures null
	run -0 jq -e '.tests.ks.statistic == 0 and .tests.ks.pvalue == 1 and
		.tests.psi.value == 0 and .tests.psi.bins == 2 and
		.tests.mean_shift.value == null and .tests.std_shift.ratio == null
		and .level == "NONE"' <<<"$(col const)"
	# different constants: D = 1, CRITICAL by KS and PSI
	run -0 jq -e '.tests.ks.statistic == 1 and .level == "CRITICAL" and
		.tests.mean_shift.value == null' <<<"$(col constdiff)"
	run -0 jq -e '.skipped == "no values in either sample" and
		.tests.ks == null and .tests.null_rate.change == 0 and
		.level == "NONE"' <<<"$(col allnull)"
	run -0 jq -e '.skipped == "no values in the current sample" and
		.tests.null_rate.change == 1 and
		.tests.null_rate.level == "CRITICAL"' <<<"$(col curnull)"
	# text columns are not compared; the tiny column is
	run -0 jq -e '[.columns[].column] ==
		["a","ties","tiny","const","constdiff","allnull","curnull","sparse"]' r.json
}

@test "bp-drift: the signal mix and performance match scipy and scikit-learn" {
	bp-drift --ref "$D/ref.ndjson" "$D/cur.ndjson" --label label_up \
		-o r.json || true
	run -0 jq -n --slurpfile r r.json --slurpfile e "$D/expected.json" '
		def close($a; $b; $t): (($a - $b) | fabs) <= $t * ([1, ($b | fabs)] | max);
		$r[0].prediction.signal as $s | $e[0].signal as $x |
		$r[0].performance as $p | $e[0].performance as $y |
		[ ([$s.categories[].value] == $x.categories),
		  ([$s.categories[].n_ref] == $x.n_ref),
		  ([$s.categories[].n_cur] == $x.n_cur),
		  close($s.psi; $x.psi; 1e-12),
		  close($s.chi2.statistic; $x.chi2; 1e-12),
		  ($s.chi2.df == $x.df),
		  close($s.chi2.pvalue; $x.pvalue; 1e-12),
		  ($p.task == "classification"),
		  close($p.metrics.logloss.ref; $y.ref.logloss; 1e-12),
		  close($p.metrics.logloss.cur; $y.cur.logloss; 1e-12),
		  close($p.metrics.auc.ref; $y.ref.auc; 1e-12),
		  close($p.metrics.auc.cur; $y.cur.auc; 1e-12),
		  close($p.metrics.accuracy.ref; $y.ref.accuracy; 1e-12),
		  close($p.metrics.accuracy.cur; $y.cur.accuracy; 1e-12),
		  close($p.metrics.auc.degradation_pct;
			100 * ($y.ref.auc - $y.cur.auc) / $y.ref.auc; 1e-9),
		  close($p.metrics.logloss.degradation_pct;
			100 * ($y.cur.logloss - $y.ref.logloss) / $y.ref.logloss; 1e-9)
		] | all'
	# degradation levels with --degrade 2,5,10,20: logloss +58% CRITICAL,
	# AUC +18.8% HIGH, accuracy +6.6% MEDIUM
	run -0 jq -r '.performance.metrics | [.logloss.level, .auc.level,
		.accuracy.level] | join(" ")' r.json
	[ "$output" = "CRITICAL HIGH MEDIUM" ]
	run -0 jq -e '[.findings[] | select(.where == "performance")] | length == 3' r.json
	# regression on the same columns: MAE and RMSE
	bp-drift --ref "$D/ref.ndjson" "$D/cur.ndjson" --label label_up \
		--task regression -o g.json || true
	run -0 jq -e '.performance.task == "regression" and
		(.performance.metrics | keys == ["mae", "rmse"])' g.json
}

# ---- severity and exit codes ------------------------------------------------

@test "bp-drift: thresholds grade, --fail-on sets the exit status" {
	# column a: PSI 1.668 (expected.json), graded by PSI alone
	run -0 --separate-stderr bp-drift --json --ref "$D/ref.ndjson" \
		--columns a "${PSI_ONLY[@]}" --psi 2,3,4,5 "$D/cur.ndjson"
	[ "$(jq -r .level <<<"$output")" = NONE ]
	[ "$(jq -r .recommendation <<<"$output")" = "no action" ]
	run -0 bp-drift --json --ref "$D/ref.ndjson" --columns a \
		"${PSI_ONLY[@]}" --psi 1,2,3,4 "$D/cur.ndjson"
	[ "$(jq -r '.level + "/" + .recommendation' <<<"$output")" = "LOW/monitor" ]
	run -0 bp-drift --json --ref "$D/ref.ndjson" --columns a \
		"${PSI_ONLY[@]}" --psi 0.5,1,2,3 "$D/cur.ndjson"
	[ "$(jq -r .level <<<"$output")" = MEDIUM ]
	run -3 bp-drift --json --ref "$D/ref.ndjson" --columns a \
		"${PSI_ONLY[@]}" --psi 0.5,1,1.5,2 "$D/cur.ndjson"
	[ "$(jq -r '.level + "/" + .recommendation' <<<"$output")" = \
		"HIGH/schedule retraining" ]
	run -3 bp-drift --json --ref "$D/ref.ndjson" --columns a \
		"${PSI_ONLY[@]}" --psi 0.1,0.25,0.5 "$D/cur.ndjson"
	[ "$(jq -r '.level + "/" + .recommendation' <<<"$output")" = \
		"CRITICAL/retrain now" ]
	# three values are MEDIUM,HIGH,CRITICAL: 1.668 is HIGH
	run -3 bp-drift --json --ref "$D/ref.ndjson" --columns a \
		"${PSI_ONLY[@]}" --psi 1,1.5,2 "$D/cur.ndjson"
	[ "$(jq -r .level <<<"$output")" = HIGH ]
	[ "$(jq -c .thresholds.psi <<<"$output")" = "[null,1,1.5,2]" ]
	# --fail-on: at or above exits 3, below 0
	run -0 bp-drift --json --ref "$D/ref.ndjson" --columns a \
		"${PSI_ONLY[@]}" --psi 1,1.5,2 --fail-on critical "$D/cur.ndjson"
	run -3 bp-drift --json --ref "$D/ref.ndjson" --columns a \
		"${PSI_ONLY[@]}" --psi 2,3,4,5 --fail-on NONE "$D/cur.ndjson"
	run -0 bp-drift --json --ref "$D/ref.ndjson" --columns const \
		"${NO_PRED[@]}" --fail-on LOW "$D/cur.ndjson"
}

@test "bp-drift: the KS finding is the lower of its p-value and D levels" {
	# column a: D = 0.2833 (HIGH by D), p = 0.0366 (LOW by p)
	run -3 bp-drift --json --ref "$D/ref.ndjson" --columns a "$D/cur.ndjson"
	[ "$(jq -r '.columns[0].tests.ks.level' <<<"$output")" = LOW ]
	run -0 bp-drift --json --ref "$D/ref.ndjson" --columns a \
		"${PSI_ONLY[@]}" --psi 9,9,9 --ks-p 1,1,1,1 --ks-d 0,0,0,0.5 \
		--fail-on CRITICAL "$D/cur.ndjson"
	[ "$(jq -r '.columns[0].tests.ks.level' <<<"$output")" = HIGH ]
	# every finding above NONE is listed, highest first
	run -3 bp-drift --json --ref "$D/ref.ndjson" "$D/cur.ndjson"
	run -0 jq -e '[.findings[].level] as $l |
		($l | map({"LOW":1,"MEDIUM":2,"HIGH":3,"CRITICAL":4}[.])) as $n |
		$n == ($n | sort | reverse) and ($l | index("NONE") | not) and
		.level == $l[0]' <<<"$output"
}

# ---- outputs -------------------------------------------------------------------

@test "bp-drift: golden report, table and detections" {
	cp "$D/ref.ndjson" "$D/cur.ndjson" .
	run -3 bp-drift --json --ref ref.ndjson cur.ndjson --label label_up \
		-o report.json
	check_golden bp-drift report report.json
	run -3 --separate-stderr bp-drift --table --ref ref.ndjson cur.ndjson \
		--label label_up
	printf '%s\n' "$output" >table.txt
	check_golden bp-drift table table.txt
	change_stream >s.ndjson
	run -0 bp-drift detect --method cusum --column x --threshold 12 \
		--warmup 500 -o det.zst s.ndjson
	check_golden bp-drift detect det.zst
}

@test "bp-drift: the same input gives the same bytes" {
	bp-drift --json --ref "$D/ref.ndjson" "$D/cur.ndjson" --label label_up \
		--prom a.prom >a.json || true
	bp-drift --json --ref "$D/ref.ndjson" "$D/cur.ndjson" --label label_up \
		--prom b.prom >b.json || true
	cmp a.json b.json
	cmp a.prom b.prom
	# "compare" is the default command
	bp-drift compare --json --ref "$D/ref.ndjson" "$D/cur.ndjson" \
		--label label_up >c.json || true
	cmp a.json c.json
	change_stream | bp-drift detect --method adwin --column x >a.zst
	change_stream | bp-drift detect --method adwin --column x >b.zst
	cmp a.zst b.zst
}

@test "bp-drift: -o writes the report and stdout stays empty" {
	run -3 --separate-stderr bp-drift --ref "$D/ref.ndjson" -o r.json \
		"$D/cur.ndjson"
	[ -z "$output" ]
	run -0 jq -e '.format == "barpipe-drift-report" and .version == 1' r.json
	# the current sample from stdin
	run -3 bp-drift --json --ref "$D/ref.ndjson" <"$D/cur.ndjson"
	[ "$(jq -r .current.source <<<"$output")" = "<stdin>" ]
}

@test "bp-drift: --prom writes valid Prometheus text exposition" {
	sed 's/"a":/"we\\"ird\\\\col":/' "$D/cur.ndjson" >cur.ndjson
	sed 's/"a":/"we\\"ird\\\\col":/' "$D/ref.ndjson" >ref.ndjson
	run -3 bp-drift --ref ref.ndjson cur.ndjson --label label_up \
		--name 'btc "1h"' -o r.json --prom drift.prom
	no_temp_left .
	# every line is a comment or name{labels} value; every family has HELP
	# and TYPE gauge before its first sample and appears once
	run -0 awk '
		/^# HELP / { help[$3] = 1; next }
		/^# TYPE / { if (!help[$3] || $4 != "gauge" || typed[$3]) bad = bad " type:" $3
			typed[$3] = 1; next }
		{ name = $0; sub(/[{ ].*/, "", name)
		  if (!typed[name]) bad = bad " untyped:" name
		  if (name !~ /^barpipe_drift_[a-z0-9_]+$/) bad = bad " name:" name
		  v = $NF
		  if (v !~ /^[-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)$/) bad = bad " value:" v
		  n++ }
		END { if (bad != "" || n < 20) { print bad, n; exit 1 } }' drift.prom
	grep -qxF 'barpipe_drift_level{name="btc \"1h\""} 4' drift.prom
	grep -qF 'barpipe_drift_psi{name="btc \"1h\"",column="we\"ird\\col"}' drift.prom
	grep -qF 'barpipe_drift_metric{name="btc \"1h\"",metric="auc",sample="reference"}' drift.prom
	grep -qF 'barpipe_drift_degradation_percent{name="btc \"1h\"",metric="logloss"}' drift.prom
	grep -qF 'barpipe_drift_signal_chi2_pvalue{name="btc \"1h\""}' drift.prom
	# the figures are the report's
	psi=$(jq -r '.columns[] | select(.column == "ties") | .tests.psi.value' r.json)
	grep -qxF "barpipe_drift_psi{name=\"btc \\\"1h\\\"\",column=\"ties\"} $psi" drift.prom
	# a skipped column has no distribution samples
	! grep -q 'barpipe_drift_psi{[^}]*column="allnull"' drift.prom
	grep -q 'barpipe_drift_null_rate_change{[^}]*column="curnull"} 1$' drift.prom
}

# ---- windows ---------------------------------------------------------------------

@test "bp-drift: windows on one stream equal the two files" {
	cat "$D/ref.ndjson" "$D/cur.ndjson" >all.ndjson
	bp-drift --json --ref "$D/ref.ndjson" "$D/cur.ndjson" >two.json || true
	strip() { jq -c '.columns, .prediction' "$1"; }
	bp-drift --json --ref-window 2024-01-01..2024-01-03 \
		--cur-window 2024-01-31..2024-02-01 all.ndjson >w1.json || true
	[ "$(strip two.json)" = "$(strip w1.json)" ]
	run -0 jq -c '[.reference.rows, .reference.window, .current.rows,
		.current.from, .current.to]' w1.json
	[ "$output" = '[60,"2024-01-01..2024-01-03",40,"2024-01-31T00:00:00Z","2024-02-01T15:00:00Z"]' ]
	bp-drift --json --ref-window first:60% --cur-window last:40% \
		all.ndjson >w2.json || true
	[ "$(strip two.json)" = "$(strip w2.json)" ]
	bp-drift --json --ref-window first:3d --cur-window last:2d \
		all.ndjson >w3.json || true
	[ "$(strip two.json)" = "$(strip w3.json)" ]
	# an inclusive timestamp end and an open start
	bp-drift --json --ref-window ..2024-01-03T11:00:00Z \
		--cur-window 2024-01-31T00:00:00Z.. all.ndjson >w4.json || true
	[ "$(strip two.json)" = "$(strip w4.json)" ]
	# a window on --ref filters the reference file
	run -3 bp-drift --json --ref all.ndjson --ref-window ..2024-01-04 \
		"$D/cur.ndjson"
	[ "$(jq -r .reference.rows <<<"$output")" = 60 ]
}

# ---- bad input ---------------------------------------------------------------------

@test "bp-drift: bad input gives one clear line and exit 1" {
	printf '{"ts":"2024-01-01T00:00:00Z","p":1}\n' >p.ndjson
	printf '{"ts":"2024-01-01T00:00:00Z","q":1}\n' >q.ndjson
	run -1 --separate-stderr bp-drift --ref p.ndjson q.ndjson
	[ "$stderr" = "bp-drift: p.ndjson and q.ndjson have no numeric column in common" ]
	: >empty.ndjson
	run -1 --separate-stderr bp-drift --ref empty.ndjson "$D/cur.ndjson"
	[ "$stderr" = "bp-drift: empty.ndjson: the reference is empty" ]
	run -1 --separate-stderr bp-drift --ref "$D/ref.ndjson" empty.ndjson
	[ "$stderr" = "bp-drift: empty.ndjson: the current sample is empty" ]
	run -1 --separate-stderr bp-drift --ref "$D/ref.ndjson" --columns a,zz \
		"$D/cur.ndjson"
	[[ $stderr == *"unknown column 'zz'"* ]]
	run -1 --separate-stderr bp-drift --ref "$D/ref.ndjson" --columns note \
		"$D/cur.ndjson"
	[[ $stderr == *"ref.ndjson:1: 'note' is not a number"* ]]
	run -1 --separate-stderr bp-drift --ref "$D/ref.ndjson" --label nope \
		"$D/cur.ndjson"
	[[ $stderr == *"unknown column 'nope'"* ]]
	run -1 --separate-stderr bp-drift --ref "$D/ref.ndjson" --label ties \
		--task classification "$D/cur.ndjson"
	[[ $stderr == *"'ties' holds values other than 0 and 1"* ]]
	run -1 --separate-stderr bp-drift --ref-window 2030-01-01.. \
		--cur-window last:1d "$D/cur.ndjson"
	[[ $stderr == *"no rows in the reference window"* ]]
	printf '{"ts":"2024-01-01T00:00:00Z","a":1}\n{"a":2}\n' >nots.ndjson
	run -1 --separate-stderr bp-drift --ref-window first:1d --cur-window last:1d nots.ndjson
	[[ $stderr == *"nots.ndjson:2: 'ts' is missing (--ref-window needs it)"* ]]
	printf '{"ts":"yesterday","a":1}\n' >badts.ndjson
	run -1 --separate-stderr bp-drift --ref badts.ndjson "$D/cur.ndjson"
	[[ $stderr == *"badts.ndjson:1: 'ts' is not a timestamp"* ]]
	printf '{"a":1,\n' >broken.ndjson
	run -1 --separate-stderr bp-drift --ref broken.ndjson "$D/cur.ndjson"
	[[ $stderr == *"broken.ndjson:1:"* ]]
}

# ---- change detection ---------------------------------------------------------------

# detections of symbol S from a report stream: the symbol's row index
# (0-based, as generated) of each detection, from its ts
rows_of() {
	jq -r --arg s "$2" 'select(.symbol == $s) | .ts' "$1" | awk -F'[-T:]' '
		{ d = ($2 == "02" ? 31 : 0) + $3 - 1; print d * 24 + $4 }'
}

@test "bp-drift detect: a one-sd shift at row 1000 is found, nothing before, per symbol" {
	change_stream >s.ndjson
	local m args first
	for m in adwin page-hinkley cusum; do
		case $m in
		adwin) args=() ;;
		page-hinkley) args=(--delta 0.1 --lambda 50) ;;
		cusum) args=(--threshold 12 --warmup 500) ;;
		esac
		bp-drift detect --method $m --column x "${args[@]}" --plain \
			s.ndjson >$m.ndjson
		# symbol A: the first detection follows row 1000 within 120 rows
		first=$(rows_of $m.ndjson A | head -n1)
		echo "# $m: first detection of A at row $first (delay $((first - 1000)))" >&3
		[ -n "$first" ] && [ "$first" -ge 1000 ] && [ "$first" -le 1120 ]
		# symbol B never changes: no detection at all
		[ -z "$(rows_of $m.ndjson B)" ]
		# the same detections for A on its own: state is per symbol
		grep '"symbol":"A"' s.ndjson | bp-drift detect --method $m \
			--column x "${args[@]}" --plain >a-only.ndjson
		diff -u <(jq -c 'select(.symbol == "A")' $m.ndjson) a-only.ndjson
	done
	run -0 jq -e 'select(.symbol == "A") | .direction == "up" and
		.method == "cusum" and .bound == 12 and .stat > 12' cusum.ndjson
}

@test "bp-drift detect: --annotate passes every row with a drift flag" {
	change_stream >s.ndjson
	bp-drift detect --method adwin --column x --plain s.ndjson >report.ndjson
	bp-drift detect --method adwin --column x --annotate -o ann.zst s.ndjson
	[ "$(unz ann.zst | wc -l)" -eq 2400 ]
	[ "$(unz ann.zst | jq -c 'del(.drift_x)')" = "$(jq -c . s.ndjson)" ]
	[ "$(unz ann.zst | jq -c 'select(.drift_x) | .ts')" = \
		"$(jq -c .ts report.ndjson)" ]
	# a null value is passed by with a false flag and not fed
	printf '{"ts":"2024-01-01T00:00:00Z","x":null}\n{"ts":"2024-01-01T01:00:00Z"}\n' |
		bp-drift detect --method cusum --column x --annotate --plain >n.ndjson
	[ "$(jq -c .drift_x n.ndjson | tr '\n' ' ')" = "false false " ]
	# a value that is not a number is an error
	printf '{"x":1}\n{"x":"high"}\n' >t.ndjson
	run -1 --separate-stderr bp-drift detect --method cusum --column x t.ndjson
	[ "$stderr" = "bp-drift: t.ndjson:2: 'x' is not a number" ]
}

@test "bp-drift: the man page's EXAMPLES run as written" {
	command -v bp-fetch >/dev/null || skip "bp-fetch is not built here"
	[ -d "$SAMPLE" ] || skip "no sample data"
	command -v bp-model >/dev/null || skip "bp-model is not built here"
	ln -s "$ROOT/data" data
	ln -s "$ROOT/strategies" strategies
	local cmd n=0
	while IFS= read -r cmd; do
		run -0 bash -o pipefail -c "$cmd"
		n=$((n + 1))
	done < <(man_blocks EXAMPLES)
	[ "$n" -ge 10 ]
	[ -s drift.json ] && [ -s drift.prom ]
}
