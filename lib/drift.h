/*
 * drift: two-sample statistics that say how far a current sample has moved
 * from a reference sample.
 *
 *   ks           Kolmogorov-Smirnov two-sample statistic and two-sided
 *                p-value, as scipy.stats.ks_2samp(method='auto') defines
 *                them: exact (Hodges' lattice-path count) when both
 *                samples have at most 10000 values, otherwise the exact
 *                one-sample Kolmogorov distribution of n = round(mn/(m+n))
 *                (Simard & L'Ecuyer's choice of algorithm, as scipy's
 *                kstwo.sf)
 *   psi          Population Stability Index over bins cut at the
 *                reference's quantiles (numpy's default 'linear' quantile)
 *   js           Jensen-Shannon distance, base 2, over the same bins
 *                (scipy.spatial.distance.jensenshannon(p, q, base=2))
 *   wasserstein  first Wasserstein distance between the two empirical
 *                distributions (scipy.stats.wasserstein_distance)
 *   chi2         chi-square test of homogeneity on a 2 x k table of
 *                counts (scipy.stats.chi2_contingency, correction=False)
 *
 * Samples passed to these functions are plain double arrays without NaN;
 * "sorted" means ascending (bp_drift_sort).  Nothing here allocates more
 * than O(n) scratch, and nothing reports errors: inputs are checked by
 * the caller (n > 0).
 */
#ifndef BP_DRIFT_H
#define BP_DRIFT_H

#include <stddef.h>
#include <stdint.h>

/* Sort x ascending (x has no NaN); LSD radix sort for large n. */
void bp_drift_sort(double *x, size_t n);

/* ---- Kolmogorov-Smirnov ------------------------------------------------ */

enum bp_ks_method {
	BP_KS_EXACT = 0,
	BP_KS_ASYMP,
};

struct bp_ks {
	double statistic;	/* D = sup |F_a - F_b| */
	double pvalue;		/* two-sided */
	enum bp_ks_method method;
};

/* scipy's threshold: exact when max(na, nb) <= this. */
#define BP_KS_MAX_EXACT_N 10000

/*
 * Two-sample KS test of sorted a (na > 0) and sorted b (nb > 0).  With the
 * exact method the statistic is rounded to h / lcm(na, nb) as scipy does.
 */
void bp_drift_ks(struct bp_ks *out, const double *a, size_t na,
		 const double *b, size_t nb);

/*
 * Survival function of the two-sided one-sample Kolmogorov statistic D_n:
 * P(D_n >= x) (scipy.stats.kstwo.sf(x, n)).
 */
double bp_drift_kolmogn_sf(long n, double x);

/* One-sided Smirnov survival function P(D_n^+ >= x) (scipy.special.smirnov). */
double bp_drift_smirnov(long n, double x);

/*
 * Exact two-sided p-value P(D >= h / lcm(m, n)) of the two-sample
 * statistic (Hodges 1958; the m == n case by the reflection formula).
 * Returns a value outside [0, 1] when the recursion lost precision.
 */
double bp_drift_ks_exact(long m, long n, long h);

/* ---- binned comparisons ------------------------------------------------ */

/* numpy.quantile(x, q) with method 'linear' on sorted x (n > 0). */
double bp_drift_quantile(const double *x, size_t n, double q);

/*
 * Bin edges for PSI/JS: the reference quantiles at k / bins, k = 1 ..
 * bins-1, duplicates removed (ties in the reference merge bins).  edges
 * must hold bins - 1 values; returns how many were kept (0 when bins is 1).
 * Bin i holds the values v with edges[i-1] < v <= edges[i] (right-closed;
 * the first bin is open below, the last open above), so there are
 * returned + 1 bins.
 */
size_t bp_drift_edges(double *edges, const double *ref, size_t n, int bins);

/*
 * counts[0..nedges] += number of values of sorted x in each bin.
 */
void bp_drift_bin_counts(size_t *counts, const double *edges, size_t nedges,
			 const double *x, size_t n);

/* The same for x in any order (a binary search per value). */
void bp_drift_bin_counts_unsorted(size_t *counts, const double *edges,
				  size_t nedges, const double *x, size_t n);

/*
 * PSI = sum (c_i - r_i) ln(c_i / r_i) over k bins, with r_i = rc[i] / rn
 * and c_i = cc[i] / cn each floored at eps (no renormalisation).
 */
double bp_drift_psi(const size_t *rc, size_t rn, const size_t *cc, size_t cn,
		    size_t k, double eps);

/*
 * Jensen-Shannon distance (base 2, in [0, 1]) of the proportions
 * rc / rn and cc / cn over k bins; empty bins contribute 0.
 */
double bp_drift_js(const size_t *rc, size_t rn, const size_t *cc, size_t cn,
		   size_t k);

/* The same two from shares r and c (each summing to 1) over k bins. */
double bp_drift_psi_shares(const double *r, const double *c, size_t k,
			   double eps);
double bp_drift_js_shares(const double *r, const double *c, size_t k);

/* W1 distance of sorted a and sorted b: integral of |F_a - F_b|. */
double bp_drift_wasserstein(const double *a, size_t na, const double *b,
			    size_t nb);

/* ---- moments ----------------------------------------------------------- */

struct bp_moments {
	size_t n;
	double mean;
	double sd;	/* sample standard deviation (n - 1); NaN, n < 2 */
};
void bp_drift_moments(struct bp_moments *m, const double *x, size_t n);

/* ---- categories -------------------------------------------------------- */

struct bp_chi2 {
	double statistic;
	double df;
	double pvalue;
};

/*
 * Chi-square test of homogeneity of the 2 x k table (rc, cc); categories
 * with a zero total are dropped.  df is 0 and the p-value 1 when fewer
 * than two categories remain.
 */
void bp_drift_chi2(struct bp_chi2 *out, const size_t *rc, const size_t *cc,
		   size_t k);

/* P(X >= x) for X ~ chi-square with df degrees of freedom. */
double bp_drift_chi2_sf(double x, double df);

#endif
