/*
 * test-drift: the two-sample statistics of lib/drift against scipy and
 * numpy.  tests/unit/ref/drift_ref.py wrote tests/unit/ref/drift-cases.txt;
 * the samples are regenerated here from the same splitmix64 stream.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drift.h"
#include "tap.h"
#include "util.h"

#ifndef REF_DIR
#define REF_DIR "tests/unit/ref"
#endif

/*
 * Tolerances.  The KS contract is 1e-12 on the statistic and 1e-6 on the
 * p-value (scipy computes the same lattice-path and Kolmogorov-law
 * algorithms, so the p-values actually agree to ~1e-13; the contract is
 * what we promise).  PSI, JS, W1 and the moments are sums of the same
 * terms in a different order: 1e-11 relative covers the rounding.
 */
#define TOL_STAT 1e-12
#define TOL_P 1e-6
#define TOL_KSTWO 1e-9
#define TOL_SUM 1e-11

struct splitmix {
	uint64_t s;
};

static uint64_t
sm_next(struct splitmix *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static double
sm_uniform(struct splitmix *r)
{
	return (double)(sm_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

struct spec {
	long n;
	char kind;
	double a, b;
};

static double *
draw(struct splitmix *r, const struct spec *s)
{
	double *x = bp_xmalloc((s->n ? s->n : 1) * sizeof(*x));

	for (long i = 0; i < s->n; i++) {
		double u, u2;

		switch (s->kind) {
		case 'u':
			x[i] = s->a + (s->b - s->a) * sm_uniform(r);
			break;
		case 'g':
			x[i] = floor(sm_uniform(r) * s->a);
			break;
		case 'p':
			u = sm_uniform(r);
			x[i] = u / (1.0 - u);
			break;
		case 'c':
			x[i] = s->a;
			break;
		case 't':
			u = sm_uniform(r);
			u2 = sm_uniform(r);
			x[i] = u + u2 - 1.0 + s->a;
			break;
		default:
			abort();
		}
	}
	return x;
}

static char *
tok(void)
{
	return strtok(NULL, " \n");
}

static void
read_spec(struct spec *s)
{
	s->n = atol(tok());
	s->kind = tok()[0];
	s->a = strtod(tok(), NULL);
	s->b = strtod(tok(), NULL);
}

static void
ks_case(void)
{
	const char *name = tok();
	struct splitmix r = { strtoull(tok(), NULL, 10) };
	struct spec s1, s2;
	double *x, *y, stat, p;
	const char *method;
	struct bp_ks ks;

	read_spec(&s1);
	read_spec(&s2);
	stat = strtod(tok(), NULL);
	p = strtod(tok(), NULL);
	method = tok();
	x = draw(&r, &s1);
	y = draw(&r, &s2);
	bp_drift_sort(x, s1.n);
	bp_drift_sort(y, s2.n);
	bp_drift_ks(&ks, x, s1.n, y, s2.n);
	is_close(ks.statistic, stat, TOL_STAT, "ks %s: statistic", name);
	is_close(ks.pvalue, p, TOL_P, "ks %s: p-value", name);
	ok(strcmp(method, ks.method == BP_KS_EXACT ? "exact" : "asymp") == 0,
	   "ks %s: method %s", name, method);
	/* symmetric in its two samples */
	{
		struct bp_ks sw;

		bp_drift_ks(&sw, y, s2.n, x, s1.n);
		ok(sw.statistic == ks.statistic &&
		   fabs(sw.pvalue - ks.pvalue) <= 1e-12,
		   "ks %s: symmetric", name);
	}
	free(x);
	free(y);
}

static void
bins_case(void)
{
	const char *name = tok();
	struct splitmix r = { strtoull(tok(), NULL, 10) };
	struct spec s1, s2;
	double *x, *y, *edges, want[7];
	size_t ne, wne, *rc, *cc, k;
	int bins;
	struct bp_moments m1, m2;

	read_spec(&s1);
	read_spec(&s2);
	bins = atoi(tok());
	for (int i = 0; i < 7; i++)
		want[i] = strtod(tok(), NULL);
	wne = strtoul(tok(), NULL, 10);
	x = draw(&r, &s1);
	y = draw(&r, &s2);
	bp_drift_sort(x, s1.n);
	bp_drift_sort(y, s2.n);
	edges = bp_xcalloc(bins, sizeof(*edges));
	ne = bp_drift_edges(edges, x, s1.n, bins);
	k = ne + 1;
	rc = bp_xcalloc(k, sizeof(*rc));
	cc = bp_xcalloc(k, sizeof(*cc));
	bp_drift_bin_counts(rc, edges, ne, x, s1.n);
	bp_drift_bin_counts(cc, edges, ne, y, s2.n);
	ok(ne == wne, "bins %s: %zu edges (want %zu)", name, ne, wne);
	{
		/* binning unsorted values gives the same counts */
		size_t *uc = bp_xcalloc(k, sizeof(*uc));
		double *yu = draw(&(struct splitmix){ 0 }, &s2);

		memcpy(yu, y, s2.n * sizeof(*y));
		for (long i = 0; i + 1 < s2.n; i += 2) {
			double t = yu[i];

			yu[i] = yu[s2.n - 1 - i];
			yu[s2.n - 1 - i] = t;
		}
		bp_drift_bin_counts_unsorted(uc, edges, ne, yu, s2.n);
		ok(!memcmp(uc, cc, k * sizeof(*uc)),
		   "bins %s: unsorted binning agrees", name);
		free(uc);
		free(yu);
	}
	is_close(bp_drift_psi(rc, s1.n, cc, s2.n, k, 1e-4), want[0], TOL_SUM,
		 "bins %s: psi", name);
	is_close(bp_drift_js(rc, s1.n, cc, s2.n, k), want[1], TOL_SUM,
		 "bins %s: jensen-shannon", name);
	is_close(bp_drift_wasserstein(x, s1.n, y, s2.n), want[2], TOL_SUM,
		 "bins %s: wasserstein", name);
	bp_drift_moments(&m1, x, s1.n);
	bp_drift_moments(&m2, y, s2.n);
	is_close(m1.mean, want[3], TOL_SUM, "bins %s: mean ref", name);
	is_close(m1.sd, want[4], TOL_SUM, "bins %s: sd ref", name);
	is_close(m2.mean, want[5], TOL_SUM, "bins %s: mean cur", name);
	is_close(m2.sd, want[6], TOL_SUM, "bins %s: sd cur", name);
	free(x);
	free(y);
	free(edges);
	free(rc);
	free(cc);
}

static double worst_kstwo;

static void
kstwo_case(void)
{
	long n = atol(tok());
	double x = strtod(tok(), NULL), want = strtod(tok(), NULL);
	double got = bp_drift_kolmogn_sf(n, x);

	if (fabs(got - want) > worst_kstwo)
		worst_kstwo = fabs(got - want);
	is_close(got, want, TOL_KSTWO, "kstwo.sf(%.17g, %ld)", x, n);
}

static void
smirnov_case(void)
{
	long n = atol(tok());
	double x = strtod(tok(), NULL), want = strtod(tok(), NULL);

	/* scipy sums in double-double; 1e-12 is far below our needs */
	is_close(bp_drift_smirnov(n, x), want, 1e-12, "smirnov(%ld, %g)", n,
		 x);
}

static void
chi2sf_case(void)
{
	double x = strtod(tok(), NULL), df = strtod(tok(), NULL);
	double want = strtod(tok(), NULL);

	/* series / continued fraction to ~1e-15 relative */
	is_close(bp_drift_chi2_sf(x, df), want, 1e-12, "chi2.sf(%g, %g)", x,
		 df);
}

static void
chi2_case(void)
{
	size_t k = strtoul(tok(), NULL, 10), rc[16], cc[16];
	double stat, df, p;
	struct bp_chi2 c;

	for (size_t i = 0; i < k; i++)
		rc[i] = strtoul(tok(), NULL, 10);
	for (size_t i = 0; i < k; i++)
		cc[i] = strtoul(tok(), NULL, 10);
	stat = strtod(tok(), NULL);
	df = strtod(tok(), NULL);
	p = strtod(tok(), NULL);
	bp_drift_chi2(&c, rc, cc, k);
	is_close(c.statistic, stat, 1e-12, "chi2 k=%zu: statistic", k);
	ok(c.df == df, "chi2 k=%zu: df %g", k, c.df);
	is_close(c.pvalue, p, 1e-12, "chi2 k=%zu: p-value", k);
}

static void
sort_cases(void)
{
	struct splitmix r = { 99 };
	size_t n = 100000;
	double *x = bp_xmalloc(n * sizeof(*x));
	int sorted = 1;

	for (size_t i = 0; i < n; i++) {
		double u = sm_uniform(&r);

		/* negatives, zeros of both signs, huge and tiny magnitudes */
		x[i] = i % 7 == 0 ? (i % 2 ? -0.0 : 0.0) :
		       (u - 0.5) * pow(10, (int)(u * 600) - 300);
	}
	bp_drift_sort(x, n);
	for (size_t i = 1; i < n; i++)
		if (x[i - 1] > x[i])
			sorted = 0;
	ok(sorted, "radix sort orders 100000 mixed-sign doubles");
	free(x);
}

static void
hand_cases(void)
{
	/* by hand: a = {1,2,3}, b = {2,3,4}: D = 1/3 at x = 1 */
	double a[] = { 1, 2, 3 }, b[] = { 2, 3, 4 };
	size_t rc[] = { 5, 5 }, cc[] = { 5, 5 }, c0[] = { 10, 0 };
	struct bp_ks ks;

	bp_drift_ks(&ks, a, 3, b, 3);
	is_close(ks.statistic, 1.0 / 3, 1e-15, "hand: D({1,2,3},{2,3,4})");
	/* P(D >= 1/3) = 1 for m = n = 3 (D >= 1/3 whenever D > 0) */
	is_close(ks.pvalue, 1.0, 1e-15, "hand: p = 1");
	/* W1 of {1,2,3} and {2,3,4} is the shift, 1 */
	is_close(bp_drift_wasserstein(a, 3, b, 3), 1.0, 1e-15, "hand: W1");
	is_close(bp_drift_psi(rc, 10, cc, 10, 2, 1e-4), 0, 0, "hand: psi 0");
	/* all of the current in an empty reference bin: floor eps = 1e-4 */
	is_close(bp_drift_psi(rc, 10, c0, 10, 2, 1e-4),
		 (1 - 0.5) * log(1 / 0.5) + (1e-4 - 0.5) * log(1e-4 / 0.5),
		 1e-15, "hand: psi with an empty bin");
	is_close(bp_drift_js(c0, 10, c0, 10, 2), 0, 0, "hand: js 0");
	/* median of {1,2,3,4} is 2.5; 0.25 quantile 1.75 */
	{
		double q[] = { 1, 2, 3, 4 };

		is_close(bp_drift_quantile(q, 4, 0.5), 2.5, 0, "hand: median");
		is_close(bp_drift_quantile(q, 4, 0.25), 1.75, 0,
			 "hand: quartile");
	}
}

int
main(int argc, char *argv[])
{
	const char *path = argc > 1 ? argv[1] : REF_DIR "/drift-cases.txt";
	FILE *fp = fopen(path, "r");
	char line[4096];

	if (!fp) {
		perror(path);
		return 1;
	}
	while (fgets(line, sizeof(line), fp)) {
		char *kind = strtok(line, " \n");

		if (!kind || kind[0] == '#')
			continue;
		if (!strcmp(kind, "ks"))
			ks_case();
		else if (!strcmp(kind, "bins"))
			bins_case();
		else if (!strcmp(kind, "kstwo"))
			kstwo_case();
		else if (!strcmp(kind, "smirnov"))
			smirnov_case();
		else if (!strcmp(kind, "chi2sf"))
			chi2sf_case();
		else if (!strcmp(kind, "chi2"))
			chi2_case();
		else
			ok(0, "unknown case kind '%s'", kind);
	}
	fclose(fp);
	printf("# largest |kstwo.sf - scipy| = %g\n", worst_kstwo);
	sort_cases();
	hand_cases();
	return done_testing();
}
