/*
 * test-cv: split schemes, purging, embargo and cpcv paths.
 *
 * Expected folds are written out by hand below, one string per fold with
 * one character per timestamp ('=' train, '-' test, 'x' purged,
 * 'e' embargo, '.' unused), and the expanding/sliding schemes are checked
 * against scikit-learn's TimeSeriesSplit (tests/unit/ref/tss-cases.txt,
 * from tss_ref.py).  A property test over random parameters checks that no
 * test timestamp is ever trained on and that no training label interval
 * meets a test label interval.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cv.h"
#include "tap.h"
#include "util.h"

static const char role_ch[] = ".=-xe";

/* Fold f of p over one row per timestamp (t1 = t + h, h < 0: unknown). */
static void
fold_string(const struct bp_cv_plan *p, long f, long h, char *out)
{
	long T = p->nts;
	long *t = bp_xcalloc((size_t)T, sizeof(*t));
	long *t1 = bp_xcalloc((size_t)T, sizeof(*t1));
	unsigned char *role = bp_xmalloc((size_t)T);

	for (long i = 0; i < T; i++) {
		t[i] = i;
		t1[i] = i + h;
	}
	bp_cv_roles(p, f, (size_t)T, t, h >= 0 ? t1 : NULL, role);
	for (long i = 0; i < T; i++)
		out[i] = role_ch[role[i]];
	out[T] = '\0';
	free(t);
	free(t1);
	free(role);
}

/* Build a plan over T timestamps and compare each fold to want[]. */
static void
check_folds(const char *name, const struct bp_cv_opts *o, long T, long h,
	    const char *const *want)
{
	struct bp_cv_plan p = BP_CV_PLAN_INIT;
	char got[256];
	long n = 0;

	while (want[n])
		n++;
	if (!ok(bp_cv_plan_build(&p, o, T) == 0, "%s: plan builds", name))
		return;
	ok(p.nfolds == n, "%s: %ld folds (want %ld)", name, p.nfolds, n);
	for (long f = 0; f < n && f < p.nfolds; f++) {
		fold_string(&p, f, h, got);
		if (!ok(strcmp(got, want[f]) == 0, "%s: fold %ld", name, f))
			printf("#   got  %s\n#   want %s\n", got, want[f]);
	}
	bp_cv_plan_release(&p);
}

static void
hand_cases(void)
{
	struct bp_cv_opts o = BP_CV_OPTS_INIT;

	/* expanding, T = 10, K = 3: default test size 10 / 4 = 2 */
	o.scheme = BP_CV_EXPANDING;
	o.folds = 3;
	check_folds("expanding", &o, 10, -1, (const char *const[]){
		"====--....",
		"======--..",
		"========--", NULL });
	o.test_size = 2;
	o.gap = 1;
	check_folds("expanding gap 1", &o, 10, -1, (const char *const[]){
		"===e--....",
		"=====e--..",
		"=======e--", NULL });
	/* purging applies when label intervals are known: horizon 2 */
	check_folds("expanding gap 1 horizon 2", &o, 10, 2,
		(const char *const[]){
		"==xe--....",
		"====xe--..",
		"======xe--", NULL });

	o.scheme = BP_CV_SLIDING;
	o.train_size = 2;
	check_folds("sliding", &o, 10, -1, (const char *const[]){
		".==e--....",
		"...==e--..",
		".....==e--", NULL });

	/* walk-forward: train 4, test 3, step 3, embargo 1, T = 12 */
	o = (struct bp_cv_opts)BP_CV_OPTS_INIT;
	o.scheme = BP_CV_WALK_FORWARD;
	o.train_size = 4;
	o.test_size = 3;
	o.embargo = 1;
	check_folds("walk-forward", &o, 12, -1, (const char *const[]){
		"====e---....",
		"...====e---.",
		"......====e-", NULL });
	/* embargo as a fraction: floor(0.1 * 12) = 1, same folds */
	o.embargo = 0;
	o.embargo_frac = 0.1;
	check_folds("walk-forward embargo 0.1", &o, 12, -1,
		(const char *const[]){
		"====e---....",
		"...====e---.",
		"......====e-", NULL });
	/* refit every 2 folds: folds 1 and 3 reuse the training set */
	o.embargo_frac = -1;
	o.test_size = 2;
	o.step = 2;
	o.refit_every = 2;
	check_folds("walk-forward refit 2", &o, 12, -1, (const char *const[]){
		"====--......",
		"====..--....",
		"....====--..",
		"....====..--", NULL });
	/*
	 * ... with labels spanning 1 bar: fold 1 keeps fold 0's training
	 * set, the purged row 3 included, although its label does not reach
	 * fold 1's own test block
	 */
	check_folds("walk-forward refit 2 h1", &o, 12, 1,
		(const char *const[]){
		"===x--......",
		"===x..--....",
		"....===x--..",
		"....===x..--", NULL });
	/* step smaller than the test block: stop when a block reaches T */
	o.train_size = 3;
	o.test_size = 4;
	o.step = 2;
	o.refit_every = 1;
	check_folds("walk-forward step 2", &o, 10, -1, (const char *const[]){
		"===----...",
		"..===----.",
		"....===---", NULL });

	/*
	 * walk-forward without sizes: K = 3 folds over the end, test size
	 * 12 / 4 = 3, training window 12 - 9 - 1 = 2 before the embargo
	 */
	o = (struct bp_cv_opts)BP_CV_OPTS_INIT;
	o.scheme = BP_CV_WALK_FORWARD;
	o.folds = 3;
	o.embargo = 1;
	check_folds("walk-forward defaults", &o, 12, -1, (const char *const[]){
		"==e---......",
		"...==e---...",
		"......==e---", NULL });

	/* purged k-fold, horizon 1, embargo 1: blocks of 4, 3, 3 */
	o = (struct bp_cv_opts)BP_CV_OPTS_INIT;
	o.scheme = BP_CV_PURGED_KFOLD;
	o.folds = 3;
	o.embargo = 1;
	check_folds("purged-kfold h1 e1", &o, 10, 1, (const char *const[]){
		"----xe====",
		"===x---xe=",
		"======x---", NULL });
	/* horizon 3, embargo 2 over 15 timestamps: blocks of 5 */
	o.embargo = 2;
	check_folds("purged-kfold h3 e2", &o, 15, 3, (const char *const[]){
		"-----xxxee=====",
		"==xxx-----xxxee",
		"=======xxx-----", NULL });
	/* horizon 0 (label known at its own bar): only the embargo */
	check_folds("purged-kfold h0 e2", &o, 15, 0, (const char *const[]){
		"-----ee========",
		"=====-----ee===",
		"==========-----", NULL });
}

/* cpcv N = 6, k = 2 over 12 timestamps: 15 folds, 5 paths. */
static void
cpcv_cases(void)
{
	struct bp_cv_opts o = BP_CV_OPTS_INIT;
	struct bp_cv_plan p = BP_CV_PLAN_INIT;
	/* the 15 splits in lexicographic order of their test groups */
	static const int comb[15][2] = {
		{0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}, {1, 2}, {1, 3}, {1, 4},
		{1, 5}, {2, 3}, {2, 4}, {2, 5}, {3, 4}, {3, 5}, {4, 5},
	};
	/*
	 * Path of each (split, group), by hand: group g's j-th split (in
	 * split order) goes to path j.  Group 0 is tested in splits 0-4,
	 * group 1 in 0, 5, 6, 7, 8, group 2 in 1, 5, 9, 10, 11, group 3 in
	 * 2, 6, 9, 12, 13, group 4 in 3, 7, 10, 12, 14, group 5 in 4, 8,
	 * 11, 13, 14.
	 */
	static const int path[15][6] = {
		{0, 0, -1, -1, -1, -1}, {1, -1, 0, -1, -1, -1},
		{2, -1, -1, 0, -1, -1}, {3, -1, -1, -1, 0, -1},
		{4, -1, -1, -1, -1, 0}, {-1, 1, 1, -1, -1, -1},
		{-1, 2, -1, 1, -1, -1}, {-1, 3, -1, -1, 1, -1},
		{-1, 4, -1, -1, -1, 1}, {-1, -1, 2, 2, -1, -1},
		{-1, -1, 3, -1, 2, -1}, {-1, -1, 4, -1, -1, 2},
		{-1, -1, -1, 3, 3, -1}, {-1, -1, -1, 4, -1, 3},
		{-1, -1, -1, -1, 4, 4},
	};
	int cover[5][6] = { { 0 } };
	int bad = 0;

	o.scheme = BP_CV_CPCV;
	o.groups = 6;
	o.test_groups = 2;
	if (!ok(bp_cv_plan_build(&p, &o, 12) == 0, "cpcv plan builds"))
		return;
	ok(p.nfolds == 15, "cpcv 6/2: 15 splits (got %ld)", p.nfolds);
	ok(p.npaths == 5, "cpcv 6/2: 5 paths (got %ld)", p.npaths);
	for (long f = 0; f < 15 && f < p.nfolds; f++) {
		for (long g = 0; g < 6; g++) {
			int test = g == comb[f][0] || g == comb[f][1];
			int role = bp_cv_plan_role(&p, f, 2 * g);

			if ((role == BP_CV_TEST) != test ||
			    bp_cv_plan_path(&p, f, g) != path[f][g])
				bad++;
			if (path[f][g] >= 0)
				cover[path[f][g]][g]++;
		}
	}
	ok(bad == 0, "cpcv 6/2: test groups and paths of every split");
	bad = 0;
	for (int q = 0; q < 5; q++)
		for (int g = 0; g < 6; g++)
			bad += cover[q][g] != 1;
	ok(bad == 0, "cpcv 6/2: each path covers every group exactly once");
	ok(bp_cv_plan_group(&p, 0) == 0 && bp_cv_plan_group(&p, 5) == 2 &&
	   bp_cv_plan_group(&p, 11) == 5, "cpcv: group of a timestamp");
	bp_cv_plan_release(&p);

	/*
	 * All 15 splits with horizon 1 and embargo 1: each test block purges
	 * the timestamp before it and the one after it (whose label
	 * intervals meet it) and embargoes the next one.
	 */
	o.embargo = 1;
	check_folds("cpcv 6/2 h1 e1", &o, 12, 1, (const char *const[]){
		"----xe======",	/* groups 0 1 */
		"--xx--xe====",	/* 0 2 */
		"--xe=x--xe==",	/* 0 3 */
		"--xe===x--xe",	/* 0 4 */
		"--xe=====x--",	/* 0 5 */
		"=x----xe====",	/* 1 2 */
		"=x--xx--xe==",	/* 1 3 */
		"=x--xe=x--xe",	/* 1 4 */
		"=x--xe===x--",	/* 1 5 */
		"===x----xe==",	/* 2 3 */
		"===x--xx--xe",	/* 2 4 */
		"===x--xe=x--",	/* 2 5 */
		"=====x----xe",	/* 3 4 */
		"=====x--xx--",	/* 3 5 */
		"=======x----",	/* 4 5 */
		NULL });
}

/*
 * scikit-learn's TimeSeriesSplit folds (tss-cases.txt) against the
 * expanding scheme (sliding when a maximum train size is given).
 */
static void
sklearn_cases(void)
{
	const char *dir = getenv("BP_REF_DIR");
	char path[1024], line[256];
	struct bp_cv_opts o = BP_CV_OPTS_INIT;
	struct bp_cv_plan p = BP_CV_PLAN_INIT;
	long n = 0, cases = 0, bad = 0, nf = 0, built = -1;
	long a, b, c, d, f;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/tss-cases.txt",
		 dir ? dir : "tests/unit/ref");
	fp = fopen(path, "r");
	if (!ok(fp != NULL, "open %s", path))
		return;
	fprintf(stderr, "# cases scikit-learn refuses report errors here\n");
	while (fgets(line, sizeof(line), fp)) {
		long k, test, gap, maxtrain;

		if (sscanf(line, "case %ld %ld %ld %ld %ld", &n, &k, &test,
			   &gap, &maxtrain) == 5) {
			if (built == 0 && nf != p.nfolds)
				bad++;
			bp_cv_plan_release(&p);
			o = (struct bp_cv_opts)BP_CV_OPTS_INIT;
			o.scheme = maxtrain ? BP_CV_SLIDING : BP_CV_EXPANDING;
			o.folds = k;
			o.test_size = test;
			o.gap = gap;
			o.train_size = maxtrain;
			built = bp_cv_plan_build(&p, &o, n);
			nf = 0;
			cases++;
		} else if (strncmp(line, "error", 5) == 0) {
			if (built == 0) {
				printf("# case n=%ld: should fail\n", n);
				bad++;
			}
			built = 1;	/* checked */
		} else if (sscanf(line, "fold %ld %ld %ld %ld %ld", &f, &a,
				  &b, &c, &d) == 5) {
			nf++;
			if (built != 0 || f >= p.nfolds) {
				bad++;
				continue;
			}
			for (long t = 0; t < n; t++) {
				int r = bp_cv_plan_role(&p, f, t);
				int want = t >= a && t < b ? BP_CV_TRAIN :
					   t >= c && t < d ? BP_CV_TEST : -1;

				if (want >= 0 ? r != want :
				    r == BP_CV_TRAIN || r == BP_CV_TEST) {
					printf("# case n=%ld fold %ld t=%ld\n",
					       n, f, t);
					bad++;
					break;
				}
			}
		}
	}
	if (built == 0 && nf != p.nfolds)
		bad++;
	bp_cv_plan_release(&p);
	fclose(fp);
	ok(cases > 50, "%ld TimeSeriesSplit cases read", cases);
	ok(bad == 0, "expanding/sliding equal TimeSeriesSplit (%ld bad)", bad);
}

/* Errors a plan must refuse. */
static void
error_cases(void)
{
	struct bp_cv_opts o = BP_CV_OPTS_INIT;
	struct bp_cv_plan p = BP_CV_PLAN_INIT;

	fprintf(stderr, "# expect errors below\n");
	o.scheme = BP_CV_PURGED_KFOLD;
	o.folds = 8;
	ok(bp_cv_plan_build(&p, &o, 5) < 0, "more folds than timestamps");
	o.scheme = BP_CV_EXPANDING;
	o.folds = 5;
	ok(bp_cv_plan_build(&p, &o, 5) < 0, "expanding: 6 blocks in 5");
	o.scheme = BP_CV_CPCV;
	o.groups = 6;
	o.test_groups = 6;
	ok(bp_cv_plan_build(&p, &o, 50) < 0, "cpcv: k = N");
	o.test_groups = 2;
	ok(bp_cv_plan_build(&p, &o, 4) < 0, "cpcv: more groups than data");
	o.groups = 40;
	o.test_groups = 20;
	ok(bp_cv_plan_build(&p, &o, 400) < 0, "cpcv: C(40, 20) too many");
	o = (struct bp_cv_opts)BP_CV_OPTS_INIT;
	o.scheme = BP_CV_WALK_FORWARD;
	o.folds = 5;
	ok(bp_cv_plan_build(&p, &o, 5) < 0,
	   "walk-forward: default test size 5 / 6 = 0");
	o.folds = 0;
	o.train_size = 10;
	o.test_size = 5;
	o.embargo = 40;
	ok(bp_cv_plan_build(&p, &o, 50) < 0, "walk-forward: no room to test");
	o = (struct bp_cv_opts)BP_CV_OPTS_INIT;
	o.scheme = BP_CV_SLIDING;
	ok(bp_cv_plan_build(&p, &o, 50) < 0, "sliding: no train size");
	ok(bp_cv_plan_build(&p, &o, 0) < 0, "no timestamps");
	bp_cv_plan_release(&p);
}

/* cpcv with one test group is purged k-fold with N folds. */
static void
cpcv_k1_is_kfold(void)
{
	struct bp_cv_opts a = BP_CV_OPTS_INIT, b = BP_CV_OPTS_INIT;
	struct bp_cv_plan pa = BP_CV_PLAN_INIT, pb = BP_CV_PLAN_INIT;
	char sa[64], sb[64];
	int same = 1;

	a.scheme = BP_CV_PURGED_KFOLD;
	a.folds = 4;
	a.embargo = 2;
	b.scheme = BP_CV_CPCV;
	b.groups = 4;
	b.test_groups = 1;
	b.embargo = 2;
	bp_cv_plan_build(&pa, &a, 23);
	bp_cv_plan_build(&pb, &b, 23);
	same = pa.nfolds == 4 && pb.nfolds == 4 && pb.npaths == 1;
	for (long f = 0; same && f < 4; f++) {
		fold_string(&pa, f, 2, sa);
		fold_string(&pb, f, 2, sb);
		same = strcmp(sa, sb) == 0;
	}
	ok(same, "cpcv N=4 k=1 equals purged-kfold K=4");
	bp_cv_plan_release(&pa);
	bp_cv_plan_release(&pb);
}

/*
 * Property: for random schemes, parameters and label intervals (several
 * rows per timestamp, each with its own horizon), in every fold
 *  - no timestamp holds both a test row and a train row;
 *  - no train row's label interval [t, t1] meets a test row's interval;
 *  - a train row after a test row lies more than the embargo past its t1;
 *  - every purged row's interval meets its fold's test span, and every
 *    embargoed row lies within the embargo after it (nothing is dropped
 *    for no reason);
 *  - cpcv: every group is tested in exactly phi folds;
 *  - walk-forward with refits: a fold that reuses fold r's model has
 *    fold r's training, purged and embargoed rows.
 */
static void
property(void)
{
	struct bp_rng rng;
	long bad_leak = 0, bad_overlap = 0, bad_embargo = 0, bad_drop = 0;
	long bad_path = 0, plans = 0, bad_refit = 0;
	int saved, devnull;

	bp_rng_seed(&rng, 20240601);
	/* refused random plans report on stderr: keep the TAP output clean */
	fflush(stderr);
	saved = dup(2);
	devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0)
		dup2(devnull, 2);
	for (int iter = 0; iter < 3000; iter++) {
		struct bp_cv_opts o = BP_CV_OPTS_INIT;
		struct bp_cv_plan p = BP_CV_PLAN_INIT;
		long T = 4 + (long)bp_rng_below(&rng, 60);
		size_t n = 0;
		long *t, *t1, maxh = (long)bp_rng_below(&rng, 6);
		unsigned char *role, *tsrole, *rrole;

		o.scheme = (enum bp_cv_scheme)bp_rng_below(&rng, 5);
		o.folds = 2 + (long)bp_rng_below(&rng, 6);
		o.test_size = (long)bp_rng_below(&rng, 6);
		o.train_size = 1 + (long)bp_rng_below(&rng, 20);
		o.gap = (long)bp_rng_below(&rng, 3);
		o.step = (long)bp_rng_below(&rng, 5);
		o.refit_every = 1 + (long)bp_rng_below(&rng, 3);
		o.embargo = (long)bp_rng_below(&rng, 4);
		o.groups = 2 + (long)bp_rng_below(&rng, 6);
		o.test_groups = 1 + (long)bp_rng_below(&rng,
							(uint64_t)o.groups - 1);
		if (o.scheme == BP_CV_WALK_FORWARD && !o.test_size)
			o.test_size = 1;
		if (o.scheme == BP_CV_PURGED_KFOLD ||
		    o.scheme == BP_CV_CPCV)
			o.gap = 0;
		t = bp_xcalloc((size_t)T * 3, sizeof(*t));
		t1 = bp_xcalloc((size_t)T * 3, sizeof(*t1));
		for (long i = 0; i < T; i++) {
			long m = 1 + (long)bp_rng_below(&rng, 3);

			for (long j = 0; j < m; j++) {
				t[n] = i;
				t1[n] = i + (long)bp_rng_below(&rng,
							(uint64_t)maxh + 1);
				n++;
			}
		}
		role = bp_xmalloc(n);
		rrole = bp_xmalloc(n);
		tsrole = bp_xmalloc((size_t)T);
		if (bp_cv_plan_build(&p, &o, T) < 0)
			goto next;
		plans++;
		for (long f = 0; f < p.nfolds; f++) {
			long E = p.embargo;

			bp_cv_roles(&p, f, n, t, t1, role);
			memset(tsrole, 0, (size_t)T);
			for (size_t i = 0; i < n; i++)
				tsrole[t[i]] |= (unsigned char)(1 << role[i]);
			for (long i = 0; i < T; i++)
				if ((tsrole[i] & (1 << BP_CV_TEST)) &&
				    (tsrole[i] & ~(1 << BP_CV_TEST)))
					bad_leak++;
			for (size_t i = 0; i < n; i++) {
				int any = 0, near = 0;

				for (size_t j = 0; j < n; j++) {
					long lo, end;

					if (role[j] != BP_CV_TEST)
						continue;
					/* j's block: its run of test ts */
					lo = t[j];
					while (lo > 0 && (tsrole[lo - 1] &
						(1 << BP_CV_TEST)))
						lo--;
					end = t1[j];
					for (size_t m = 0; m < n; m++)
						if (role[m] == BP_CV_TEST &&
						    t[m] >= lo &&
						    t[m] <= t[j] &&
						    t1[m] > end)
							end = t1[m];
					if (role[i] == BP_CV_TRAIN &&
					    t[i] <= t1[j] && t1[i] >= t[j])
						bad_overlap++;
					if (role[i] == BP_CV_TRAIN &&
					    t[i] > t[j] && t[i] - t1[j] <= E)
						bad_embargo++;
					if (t[i] <= end && t1[i] >= lo)
						any = 1;
					if (t[i] > end && t[i] - end <= E)
						near = 1;
				}
				if (p.model_fold[f] != f)
					continue;	/* checked below */
				if (role[i] == BP_CV_PURGED && !any)
					bad_drop++;
				if (role[i] == BP_CV_EMBARGO &&
				    o.scheme != BP_CV_EXPANDING &&
				    o.scheme != BP_CV_SLIDING &&
				    o.scheme != BP_CV_WALK_FORWARD && !near)
					bad_drop++;
			}
			/* a fold reusing a model has its training set */
			if (p.model_fold[f] != f) {
				bp_cv_roles(&p, p.model_fold[f], n, t, t1,
					    rrole);
				for (size_t i = 0; i < n; i++)
					if (role[i] != BP_CV_TEST &&
					    role[i] != (rrole[i] == BP_CV_TEST ?
						BP_CV_UNUSED : rrole[i]))
						bad_refit++;
			}
		}
		if (p.ngroups) {
			for (long g = 0; g < p.ngroups; g++) {
				long cnt = 0;

				for (long f = 0; f < p.nfolds; f++)
					cnt += bp_cv_plan_path(&p, f, g) >= 0;
				bad_path += cnt != p.npaths;
			}
		}
next:
		bp_cv_plan_release(&p);
		free(t);
		free(t1);
		free(role);
		free(rrole);
		free(tsrole);
	}
	fflush(stderr);
	if (saved >= 0)
		dup2(saved, 2);
	if (saved >= 0)
		close(saved);
	if (devnull >= 0)
		close(devnull);
	ok(plans > 1000, "property: %ld random plans built", plans);
	ok(bad_leak == 0, "property: no test timestamp in training (%ld)",
	   bad_leak);
	ok(bad_overlap == 0, "property: no train label meets a test label "
	   "(%ld)", bad_overlap);
	ok(bad_embargo == 0, "property: train rows after a test block are "
	   "past the embargo (%ld)", bad_embargo);
	ok(bad_drop == 0, "property: purged and embargoed rows are justified "
	   "(%ld)", bad_drop);
	ok(bad_path == 0, "property: cpcv groups tested phi times (%ld)",
	   bad_path);
	ok(bad_refit == 0, "property: a reused model's training set is its "
	   "fold's (%ld)", bad_refit);
}

/* The option checks bp-cv makes before reading the data. */
static void
opts_check_cases(void)
{
	static const struct {
		enum bp_cv_scheme scheme;
		unsigned given;
		long folds, test, train, groups, test_groups;
		const char *err;	/* NULL: accepted */
	} c[] = {
		{ BP_CV_EXPANDING, BP_CV_OPT_FOLDS | BP_CV_OPT_GAP, 3, 0, 0,
		  0, 0, NULL },
		{ BP_CV_EXPANDING, BP_CV_OPT_GROUPS, 0, 0, 0, 3, 0,
		  "--groups: not an option of scheme 'expanding'" },
		{ BP_CV_CPCV, BP_CV_OPT_FOLDS | BP_CV_OPT_GAP, 2, 0, 0, 0, 0,
		  "--folds: not an option of scheme 'cpcv'" },
		{ BP_CV_PURGED_KFOLD, BP_CV_OPT_EMBARGO | BP_CV_OPT_STEP, 0, 0,
		  0, 0, 0, "--step: not an option of scheme 'purged-kfold'" },
		{ BP_CV_SLIDING, 0, 0, 0, 0, 0, 0,
		  "scheme 'sliding' needs --train-size" },
		{ BP_CV_SLIDING, BP_CV_OPT_TRAIN_SIZE, 0, 0, 5, 0, 0, NULL },
		{ BP_CV_WALK_FORWARD, BP_CV_OPT_FOLDS | BP_CV_OPT_TRAIN_SIZE |
		  BP_CV_OPT_TEST_SIZE, 3, 5, 5, 0, 0,
		  "--folds: walk-forward counts its folds from --train-size "
		  "and --test-size" },
		{ BP_CV_WALK_FORWARD, BP_CV_OPT_FOLDS | BP_CV_OPT_TEST_SIZE, 3,
		  5, 0, 0, 0, NULL },
		{ BP_CV_CPCV, BP_CV_OPT_GROUPS | BP_CV_OPT_TEST_GROUPS, 0, 0,
		  0, 4, 4, "--test-groups: must be below --groups (4)" },
		{ BP_CV_CPCV, BP_CV_OPT_GROUPS | BP_CV_OPT_TEST_GROUPS, 0, 0,
		  0, 4, 3, NULL },
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct bp_cv_opts o = BP_CV_OPTS_INIT;
		char err[256] = "";
		int rc;

		o.scheme = c[i].scheme;
		o.folds = c[i].folds;
		o.test_size = c[i].test;
		o.train_size = c[i].train;
		o.groups = c[i].groups;
		o.test_groups = c[i].test_groups;
		rc = bp_cv_opts_check(&o, c[i].given, err, sizeof(err));
		if (!ok(c[i].err ? rc == -1 && strcmp(err, c[i].err) == 0 :
			rc == 0, "opts_check %zu: %s", i,
			c[i].err ? c[i].err : "accepted"))
			printf("#   got %d '%s'\n", rc, err);
	}
}

int
main(void)
{
	hand_cases();
	opts_check_cases();
	cpcv_cases();
	sklearn_cases();
	error_cases();
	cpcv_k1_is_kfold();
	property();
	return done_testing();
}
