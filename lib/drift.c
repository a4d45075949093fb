/*
 * drift: two-sample statistics (KS, PSI, Jensen-Shannon, Wasserstein-1,
 * moments, chi-square).  See drift.h for the definitions; the references
 * for each algorithm are given where it is implemented.
 */
#include "drift.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#ifndef M_LN2
#define M_LN2 0.69314718055994530942
#endif

/* ---- sorting ----------------------------------------------------------- */

/* Order-preserving map of a double's bits onto an unsigned key. */
static inline uint64_t
dkey(double x)
{
	uint64_t u;

	memcpy(&u, &x, sizeof(u));
	return (u & 0x8000000000000000ULL) ? ~u : u | 0x8000000000000000ULL;
}

static inline double
dunkey(uint64_t u)
{
	double x;

	u = (u & 0x8000000000000000ULL) ? u & ~0x8000000000000000ULL : ~u;
	memcpy(&x, &u, sizeof(x));
	return x;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
#define RADIX_PASSES 6		/* ceil(64 / 11) */

void
bp_drift_sort(double *x, size_t n)
{
	uint64_t *k, *tmp, *src, *dst;
	size_t (*hist)[RADIX_SIZE];

	if (n < 512) {
		qsort(x, n, sizeof(*x), cmp_double);
		return;
	}
	/* LSD radix sort of the keys: 6 counting passes of 11 bits. */
	k = bp_xmalloc(n * sizeof(*k));
	tmp = bp_xmalloc(n * sizeof(*tmp));
	hist = bp_xcalloc(RADIX_PASSES, sizeof(*hist));
	for (size_t i = 0; i < n; i++) {
		k[i] = dkey(x[i]);
		for (int p = 0; p < RADIX_PASSES; p++)
			hist[p][(k[i] >> (p * RADIX_BITS)) &
				(RADIX_SIZE - 1)]++;
	}
	src = k;
	dst = tmp;
	for (int p = 0; p < RADIX_PASSES; p++) {
		size_t sum = 0, *h = hist[p];
		int shift = p * RADIX_BITS;
		uint64_t *t;

		/* A pass where every key has the same digit changes nothing. */
		if (h[(src[0] >> shift) & (RADIX_SIZE - 1)] == n)
			continue;
		for (size_t d = 0; d < RADIX_SIZE; d++) {
			size_t c = h[d];

			h[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			dst[h[(src[i] >> shift) & (RADIX_SIZE - 1)]++] = src[i];
		t = src;
		src = dst;
		dst = t;
	}
	for (size_t i = 0; i < n; i++)
		x[i] = dunkey(src[i]);
	free(k);
	free(tmp);
	free(hist);
}

/* ---- one-sample Kolmogorov distribution (scipy.stats.kstwo) ------------- */

/*
 * The algorithm choice follows Simard & L'Ecuyer, "Computing the two-sided
 * Kolmogorov-Smirnov distribution", J. Stat. Softw. 39(11), 2011, with the
 * cut-offs scipy's kolmogn uses, so that p-values agree with scipy's.
 */

#define E128 128
static const double ep128 = 0x1p128;
static const double em128 = 0x1p-128;
static const double min_log = -708.3964185322641;	/* log(DBL_MIN) */

static double
clip01(double p)
{
	return p < 0 ? 0 : p > 1 ? 1 : p;
}

/*
 * log(n! / n^n) by Stirling's series with n log n taken out up front
 * (Bernoulli coefficients B_2j / (2j (2j - 1)), j = 8 .. 1).
 */
static double
log_nfact_div_npown(double n)
{
	static const double c[] = {
		-2.955065359477124183e-2, 6.4102564102564102564e-3,
		-1.9175269175269175269e-3, 8.4175084175084175084e-4,
		-5.952380952380952381e-4, 7.9365079365079365079e-4,
		-2.7777777777777777778e-3, 8.3333333333333333333e-2,
	};
	double rn = 1.0 / n, x = rn / n, poly = 0;

	for (size_t i = 0; i < BP_ARRAY_SIZE(c); i++)
		poly = poly * x + c[i];
	return log(n) / 2 - n + log(2 * M_PI) / 2 + rn * poly;
}

/* c = a b, all m x m row-major. */
static void
matmul(double *c, const double *a, const double *b, int m)
{
	for (int i = 0; i < m; i++) {
		for (int j = 0; j < m; j++)
			c[i * m + j] = 0;
		for (int l = 0; l < m; l++) {
			double ail = a[i * m + l];

			for (int j = 0; j < m; j++)
				c[i * m + j] += ail * b[l * m + j];
		}
	}
}

/*
 * P(D_n <= d) by Durbin's matrix (Marsaglia, Tsang & Wang, "Evaluating
 * Kolmogorov's distribution", J. Stat. Softw. 8(18), 2003): the k-th
 * diagonal element of (n! / n^n) H^n, H of size 2k - 1, k = ceil(n d).
 */
static double
kolmogn_dmtw(long n, double d)
{
	double nd = n * d, h, fac, tt, p, *H, *Hp, *tmp, *v, *w;
	int k, m, expnt = 0, hexpnt = 0;
	long nn;

	if (d >= 1.0)
		return 1.0;
	if (nd <= 0.5)
		return 0.0;
	k = (int)ceil(nd);
	h = k - nd;
	m = 2 * k - 1;
	H = bp_xcalloc((size_t)m * m, sizeof(*H));
	Hp = bp_xcalloc((size_t)m * m, sizeof(*Hp));
	tmp = bp_xcalloc((size_t)m * m, sizeof(*tmp));
	v = bp_xcalloc(m, sizeof(*v));
	w = bp_xcalloc(m, sizeof(*w));
	/* v[j] = (1 - h^(j+1)) / (j+1)!, w[j] = 1 / j! */
	fac = 1.0;
	for (int j = 1; j <= m; j++) {
		v[j - 1] = 1.0 - pow(h, j);
		w[j - 1] = fac;
		fac /= j;
		v[j - 1] *= fac;
	}
	tt = pow(fmax(2 * h - 1.0, 0), m) - 2 * pow(h, m);
	v[m - 1] = (1.0 + tt) * fac;
	for (int i = 1; i < m; i++)
		for (int r = i - 1; r < m; r++)
			H[r * m + i] = w[r - (i - 1)];
	for (int r = 0; r < m; r++)
		H[r * m] = v[r];
	for (int c = 0; c < m; c++)
		H[(m - 1) * m + c] = v[m - 1 - c];
	for (int i = 0; i < m; i++)
		Hp[i * m + i] = 1.0;
	/* Hp = H^n by squaring, rescaling by 2^-128 to stay in range. */
	for (nn = n; nn > 0; nn /= 2) {
		if (nn % 2) {
			matmul(tmp, Hp, H, m);
			memcpy(Hp, tmp, (size_t)m * m * sizeof(*Hp));
			expnt += hexpnt;
		}
		matmul(tmp, H, H, m);
		memcpy(H, tmp, (size_t)m * m * sizeof(*H));
		hexpnt *= 2;
		if (fabs(H[(k - 1) * m + k - 1]) > ep128) {
			for (int i = 0; i < m * m; i++)
				H[i] /= ep128;
			hexpnt += E128;
		}
	}
	p = Hp[(k - 1) * m + k - 1];
	for (long i = 1; i <= n; i++) {
		p = i * p / n;
		if (fabs(p) < em128) {
			p *= ep128;
			expnt -= E128;
		}
	}
	if (expnt != 0)
		p = ldexp(p, expnt);
	free(H);
	free(Hp);
	free(tmp);
	free(v);
	free(w);
	return clip01(p);
}

/* Endpoints of the non-zero interval of row i in Pomeranz's recursion. */
static void
pomeranz_j1j2(long i, long n, long ll, int ceilf, int roundf, long *j1,
	      long *j2)
{
	long a, b;

	if (i == 0) {
		a = -ll - ceilf - 1;
		b = ll + ceilf - 1;
	} else {
		long half = (i + 1) / 2, odd = (i + 1) % 2 == 0;

		if (odd) {	/* i is odd */
			if (half == n + 1) {
				a = n - ll - ceilf - 1;
				b = n + ll + ceilf - 1;
			} else {
				a = half - 1 - ll - roundf - 1;
				b = half + ll - 1 + ceilf - 1;
			}
		} else {
			a = half - 1 - ll - 1;
			b = half + ll + roundf - 1;
		}
	}
	*j1 = a + 2 > 0 ? a + 2 : 0;
	*j2 = b < n ? b : n;
}

/*
 * P(D_n <= x) by Pomeranz's recursion (CACM 17(12), 1974, Algorithm 487):
 * 2n + 1 convolutions of a short row with (almost) Poisson weights.
 */
static double
kolmogn_pomeranz(long n, double x)
{
	double t = n * x, f, g, *gp, *g2p, *g12p, *V0, *V1, ans;
	long ll = (long)floor(t), npw, j1, j2, V0s = 0, V1s = 0;
	int ceilf, roundf, expnt = 0;

	f = t - ll;
	g = fmin(f, 1.0 - f);
	ceilf = f > 0;
	roundf = f > 0.5;
	npw = 2 * (ll + 1);
	gp = bp_xcalloc(npw, sizeof(*gp));
	g2p = bp_xcalloc(npw, sizeof(*g2p));
	g12p = bp_xcalloc(npw, sizeof(*g12p));
	V0 = bp_xcalloc(npw, sizeof(*V0));
	V1 = bp_xcalloc(npw, sizeof(*V1));
	gp[0] = g2p[0] = g12p[0] = 1.0;
	for (long m = 1; m < npw; m++) {
		gp[m] = gp[m - 1] * (g / n) / m;
		g2p[m] = g2p[m - 1] * (2 * g / n) / m;
		g12p[m] = g12p[m - 1] * ((1 - 2 * g) / n) / m;
	}
	V1[0] = 1;
	pomeranz_j1j2(0, n, ll, ceilf, roundf, &j1, &j2);
	for (long i = 1; i < 2 * n + 2; i++) {
		long k1 = j1, ln2, s0, l1, l2, cstart, clen;
		double *sw = V0, *pw;

		V0 = V1;
		V1 = sw;
		s0 = V0s;
		V0s = V1s;
		V1s = s0;
		memset(V1, 0, npw * sizeof(*V1));
		pomeranz_j1j2(i, n, ll, ceilf, roundf, &j1, &j2);
		if (i == 1 || i == 2 * n + 1)
			pw = gp;
		else
			pw = i % 2 ? g2p : g12p;
		ln2 = j2 - k1 + 1;
		if (ln2 <= 0)
			continue;
		/* conv = V0[k1-V0s : k1-V0s+ln2] (*) pw[:ln2], full length */
		s0 = k1 - V0s;
		l1 = npw - s0 < ln2 ? npw - s0 : ln2;
		l2 = npw < ln2 ? npw : ln2;
		cstart = j1 - k1;
		clen = j2 - j1 + 1;
		for (long c = 0; c < clen && c < npw; c++) {
			long cc = c + cstart;
			long lo = cc - l2 + 1 > 0 ? cc - l2 + 1 : 0;
			long hi = cc < l1 - 1 ? cc : l1 - 1;
			double s = 0;

			for (long a = lo; a <= hi; a++)
				s += V0[s0 + a] * pw[cc - a];
			V1[c] = s;
		}
		{
			double mx = V1[0];

			for (long c = 1; c < npw; c++)
				if (V1[c] > mx)
					mx = V1[c];
			if (0 < mx && mx < em128) {
				for (long c = 0; c < npw; c++)
					V1[c] *= ep128;
				expnt -= E128;
			}
		}
		V1s = V0s + j1 - k1;
	}
	ans = V1[n - V1s];
	for (long m = 1; m <= n; m++) {
		if (fabs(ans) > ep128) {
			ans *= em128;
			expnt += E128;
		}
		ans *= m;
	}
	if (expnt != 0)
		ans = ldexp(ans, expnt);
	free(gp);
	free(g2p);
	free(g12p);
	free(V0);
	free(V1);
	return clip01(ans);
}

/*
 * Pelz & Good's approximation of P(D_n <= x) (J. R. Stat. Soc. B 38(2),
 * 1976): the Li-Chien/Korolyuk expansion K0 + K1/sqrt(n) + K2/n +
 * K3/n^1.5 rewritten with Jacobi theta identities for small z = x sqrt(n).
 */
static double
kolmogn_pelzgood(long n, double x)
{
	const double pi2 = M_PI * M_PI, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
	const double sqrt2pi = sqrt(2 * M_PI);
	double z, z2, z3, z4, z6, qlog, q, K[4] = { 0, 0, 0, 0 };
	double k1a, k1b, k2a, k2b, k2c, k3a, k3b, k3c, k3d, sqrt3z;
	double k2extra = 0, k3extra = 0, sum = 0;
	long maxk;

	if (x <= 0.0)
		return 0.0;
	if (x >= 1.0)
		return 1.0;
	z = sqrt((double)n) * x;
	z2 = z * z;
	z3 = z2 * z;
	z4 = z2 * z2;
	z6 = z4 * z2;
	qlog = -pi2 / 8 / z2;
	if (qlog < -708)
		return 0.0;
	q = exp(qlog);
	k1a = -z2;
	k1b = pi2 / 4;
	k2a = 6 * z6 + 2 * z4;
	k2b = (2 * z4 - 5 * z2) * pi2 / 4;
	k2c = pi4 * (1 - 2 * z2) / 16;
	k3d = pi6 * (5 - 30 * z2) / 64;
	k3c = pi4 * (-60 * z2 + 212 * z4) / 16;
	k3b = pi2 * (135 * z4 - 96 * z6) / 4;
	k3a = -30 * z6 - 90 * pow(z, 8);
	maxk = (long)ceil(16 * z / M_PI);
	/* Horner scheme in q^8k over odd m = 2k - 1 */
	for (long k = maxk; k > 0; k--) {
		double m = 2.0 * k - 1, m2 = m * m, m4 = m2 * m2,
		       m6 = m4 * m2, qp = pow(q, 8.0 * k);

		K[0] = K[0] * qp + 1.0;
		K[1] = K[1] * qp + (k1a + k1b * m2);
		K[2] = K[2] * qp + (k2a + k2b * m2 + k2c * m4);
		K[3] = K[3] * qp + (k3a + k3b * m2 + k3c * m4 + k3d * m6);
	}
	for (int i = 0; i < 4; i++)
		K[i] = K[i] * q * sqrt2pi;
	K[0] /= z;
	K[1] /= 6 * z4;
	K[2] /= 72 * pow(z, 7);
	K[3] /= 6480 * pow(z, 10);
	/* the sums over all integers k in K2 and K3 */
	q = exp(-pi2 / 2 / z2);
	sqrt3z = sqrt(3.0) * z;
	for (long k = maxk; k > 0; k--) {
		double ks = (double)k * k, qk = pow(q, ks), kpi = M_PI * k;

		k2extra += ks * qk;
		k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * ks * qk;
	}
	K[2] += k2extra * (pi2 * sqrt2pi / (-36 * z3));
	K[3] += k3extra * (pi2 * sqrt2pi / (216 * z6));
	for (int i = 0; i < 4; i++)
		sum += K[i] / pow((double)n, i / 2.0);
	return sum;
}

double
bp_drift_kolmogn_sf(long n, double x)
{
	double t, nx2, cdf;

	if (n <= 0 || isnan(x))
		return NAN;
	if (x >= 1.0)
		return 0.0;
	if (x <= 0.0 || x <= 0.5 / n)	/* below the support */
		return 1.0;
	t = n * x;
	if (t <= 1.0) {
		/* Ruben & Gambino: P(D_n <= x) = n!/n^n (2t - 1)^n */
		double prob = 1.0;

		if (t <= 0.5)
			return 1.0;
		if (n <= 140) {
			for (long i = 1; i <= n; i++)
				prob *= i * (1.0 / n) * (2 * t - 1);
		} else {
			prob = exp(log_nfact_div_npown((double)n) +
				   n * log(2 * t - 1));
		}
		return clip01(1.0 - prob);
	}
	if (t >= n - 1)		/* Ruben & Gambino */
		return clip01(2 * pow(1.0 - x, (double)n));
	if (x >= 0.5)		/* D_n+ and D_n- cannot both exceed x */
		return clip01(2 * bp_drift_smirnov(n, x));
	nx2 = t * x;
	if (n <= 140) {
		if (nx2 <= 0.754693)
			return clip01(1.0 - kolmogn_dmtw(n, x));
		if (nx2 <= 4)
			return clip01(1.0 - kolmogn_pomeranz(n, x));
		return clip01(2 * bp_drift_smirnov(n, x));
	}
	if (nx2 >= 370.0)
		return 0.0;
	if (nx2 >= 2.2)
		return clip01(2 * bp_drift_smirnov(n, x));
	if (n <= 100000 && n * pow(x, 1.5) <= 1.4)
		cdf = kolmogn_dmtw(n, x);
	else
		cdf = kolmogn_pelzgood(n, x);
	return clip01(1.0 - cdf);
}

/*
 * One-sided Smirnov survival function by the Birnbaum-Tingey sum
 * (Ann. Math. Statist. 22, 1951):
 *
 *   P(D_n+ >= x) = x sum_{v=0}^{ceil(n(1-x))-1} C(n,v) (x + v/n)^(v-1)
 *                                                 (1 - x - v/n)^(n-v)
 *
 * Every term is positive, so it is summed in log space in long double;
 * the edge cases and the n > 10^6 approximation are those of scipy's
 * cephes smirnov (van Mulbregt, arXiv:1802.06966).
 */
double
bp_drift_smirnov(long n, double x)
{
	double hi, lo, fl, alpha;
	long nxfl, last;
	long double lc = 0, sum = 0;

	if (!(n > 0 && x >= 0.0 && x <= 1.0))
		return NAN;
	if (n == 1)
		return 1 - x;
	if (x == 0.0)
		return 1.0;
	if (x == 1.0)
		return 0.0;
	/* n x exactly, as hi + lo, then its floor and fractional part */
	hi = n * x;
	lo = fma((double)n, x, -hi);
	fl = floor(hi);
	alpha = (hi - fl) + lo;
	if (alpha < 0) {
		fl -= 1;
		alpha += 1;
	} else if (alpha >= 1) {
		fl += 1;
		alpha -= 1;
	}
	nxfl = (long)fl;
	if (nxfl == 0 || (nxfl == 1 && alpha == 0)) {
		/* x <= 1/n: P(D_n+ < x) = x (1 + x)^(n-1) */
		long double cdf = x * powl(1.0L + x, (long double)(n - 1));

		return clip01((double)(1.0L - cdf));
	}
	if (-2.0 * n * x * x < min_log)
		return 0.0;
	if (nxfl >= n - 1)
		return (double)powl(1.0L - x, (long double)n);
	if (n > 1000000) {
		double logp = -pow(6.0 * n * x + 1, 2) / 18.0 / n;

		if (logp < -M_LN2)
			return exp(logp);
		return 1 - (-expm1(logp));
	}
	last = n - nxfl - 1;
	for (long v = 0; v <= last; v++) {
		long double xv = x + (long double)v / n;
		long double yv = (((long double)(n - v) - hi) - lo) / n;
		long double la, a;

		la = lc + (v - 1) * logl(xv) + (n - v) * logl(yv);
		a = expl(la);
		sum += a;
		/* scipy's stopping rule: the rest cannot matter */
		if (a > 0 && v != last &&
		    4.0L * (last + 1 - v) * a < DBL_EPSILON * sum)
			break;
		lc += logl((long double)(n - v) / (v + 1));
	}
	return clip01((double)(x * sum));
}

/* ---- two-sample KS ------------------------------------------------------ */

/*
 * P(D_{n,n} >= h/n) = 2 sum_k (-1)^(k-1) C(2n, n-kh) / C(2n, n), evaluated
 * by a Horner-like nesting that avoids the cancellation of the raw sum.
 */
static double
prob_outside_square(long n, long h)
{
	double P = 0.0;

	for (long k = n / h; k >= 0; k--) {
		double p1 = 1.0;

		for (long j = 0; j < h; j++)
			p1 = (double)(n - k * h - j) * p1 /
			     (double)(n + k * h + j + 1);
		P = p1 * (1.0 - P);
	}
	return 2 * P;
}

static long
floordiv(long a, long b)
{
	long q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static long
ceildiv(long a, long b)
{
	return -floordiv(-a, b);
}

/*
 * Proportion of the lattice paths from (0,0) to (m,n) that leave the band
 * |x/m - y/n| < h/lcm(m,n), by Hodges' inside method (Ark. Mat. 3, 1958)
 * in the form of Viehmann (arXiv:2102.08037) that carries 1 - p down the
 * recursion: one column of the path-count table, in a sliding window.
 */
static double
prob_outer_inside(long m, long n, long g, long h)
{
	long mg, ng, minj, maxj, curlen, lenA;
	double *A, res;

	if (m < n) {
		long t = m;

		m = n;
		n = t;
	}
	mg = m / g;
	ng = n / g;
	minj = 0;
	maxj = ceildiv(h, mg);
	if (maxj > n + 1)
		maxj = n + 1;
	curlen = maxj - minj;
	lenA = 2 * maxj + 2 < n + 1 ? 2 * maxj + 2 : n + 1;
	A = bp_xmalloc(lenA * sizeof(*A));
	for (long j = 0; j < lenA; j++)
		A[j] = j < maxj ? 0.0 : 1.0;
	for (long i = 1; i <= m; i++) {
		long lastminj = minj, lastlen = curlen;
		double val;

		minj = floordiv(ng * i - h, mg) + 1;
		if (minj < 0)
			minj = 0;
		if (minj > n)
			minj = n;
		maxj = ceildiv(ng * i + h, mg);
		if (maxj > n + 1)
			maxj = n + 1;
		if (maxj <= minj) {
			free(A);
			return 1.0;
		}
		val = minj == 0 ? 0.0 : 1.0;
		for (long jj = 0; jj < maxj - minj; jj++) {
			long j = jj + minj;

			val = (A[jj + minj - lastminj] * i + val * j) /
			      (double)(i + j);
			A[jj] = val;
		}
		curlen = maxj - minj;
		for (long jj = curlen; jj < curlen + (lastlen - curlen) &&
				       jj < lenA; jj++)
			A[jj] = 1;
	}
	res = A[maxj - minj - 1];
	free(A);
	return res;
}

double
bp_drift_ks_exact(long m, long n, long h)
{
	long a = m, b = n, g;

	while (b) {
		long t = a % b;

		a = b;
		b = t;
	}
	g = a;
	if (h <= 0)
		return 1.0;
	if (m == n)
		return prob_outside_square(n, h);
	return prob_outer_inside(m, n, g, h);
}

void
bp_drift_ks(struct bp_ks *out, const double *a, size_t na, const double *b,
	    size_t nb)
{
	double maxS = -INFINITY, minS = INFINITY, d;
	size_t i = 0, j = 0;

	/* sup of F_a - F_b and F_b - F_a over the pooled values */
	while (i < na || j < nb) {
		double v = (j >= nb || (i < na && a[i] <= b[j])) ? a[i] : b[j];
		double diff;

		while (i < na && a[i] <= v)
			i++;
		while (j < nb && b[j] <= v)
			j++;
		diff = (double)i / (double)na - (double)j / (double)nb;
		if (diff > maxS)
			maxS = diff;
		if (diff < minS)
			minS = diff;
	}
	minS = -minS;
	if (minS < 0)
		minS = 0;
	if (minS > 1)
		minS = 1;
	d = minS > maxS ? minS : maxS;
	out->method = BP_KS_ASYMP;
	if (na <= BP_KS_MAX_EXACT_N && nb <= BP_KS_MAX_EXACT_N) {
		long g, lcm, h, x = (long)na, y = (long)nb;
		double p;

		while (y) {
			long t = x % y;

			x = y;
			y = t;
		}
		g = x;
		lcm = ((long)na / g) * (long)nb;
		h = (long)nearbyint(d * lcm);
		d = (double)h / lcm;
		p = bp_drift_ks_exact((long)na, (long)nb, h);
		if (p >= 0 && p <= 1) {
			out->statistic = d;
			out->pvalue = p;
			out->method = BP_KS_EXACT;
			return;
		}
	}
	{
		/* Smirnov's limit via the one-sample law at n = mn/(m+n) */
		double m = (double)(na > nb ? na : nb);
		double n = (double)(na > nb ? nb : na);
		double en = m * n / (m + n);

		out->statistic = d;
		out->pvalue = clip01(bp_drift_kolmogn_sf((long)nearbyint(en),
							 d));
	}
}

/* ---- binned comparisons ------------------------------------------------- */

double
bp_drift_quantile(const double *x, size_t n, double q)
{
	double vi = (double)(n - 1) * q, lo, t, a, b, diff;
	size_t i;

	if (vi >= (double)(n - 1))
		return x[n - 1];
	if (vi <= 0)
		return x[0];
	lo = floor(vi);
	t = vi - lo;
	i = (size_t)lo;
	a = x[i];
	b = x[i + 1];
	/* numpy's _lerp: from the nearer end, so t = 1 gives b exactly */
	diff = b - a;
	return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

size_t
bp_drift_edges(double *edges, const double *ref, size_t n, int bins)
{
	size_t k = 0;

	for (int i = 1; i < bins; i++)
		edges[k++] = bp_drift_quantile(ref, n, (double)i / bins);
	if (k > 1) {
		size_t u = 1;

		qsort(edges, k, sizeof(*edges), cmp_double);
		for (size_t i = 1; i < k; i++)
			if (edges[i] != edges[u - 1])
				edges[u++] = edges[i];
		k = u;
	}
	return k;
}

void
bp_drift_bin_counts(size_t *counts, const double *edges, size_t nedges,
		    const double *x, size_t n)
{
	size_t e = 0;

	for (size_t i = 0; i < n; i++) {
		while (e < nedges && edges[e] < x[i])
			e++;
		counts[e]++;
	}
}

void
bp_drift_bin_counts_unsorted(size_t *counts, const double *edges,
			     size_t nedges, const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t lo = 0, hi = nedges;

		/* the number of edges below x[i] */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (edges[mid] < x[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		counts[lo]++;
	}
}

double
bp_drift_psi(const size_t *rc, size_t rn, const size_t *cc, size_t cn,
	     size_t k, double eps)
{
	double psi = 0;

	for (size_t i = 0; i < k; i++) {
		double r = (double)rc[i] / (double)rn;
		double c = (double)cc[i] / (double)cn;

		if (r < eps)
			r = eps;
		if (c < eps)
			c = eps;
		psi += (c - r) * log(c / r);
	}
	return psi;
}

double
bp_drift_psi_shares(const double *r, const double *c, size_t k, double eps)
{
	double psi = 0;

	for (size_t i = 0; i < k; i++) {
		double a = r[i] < eps ? eps : r[i], b = c[i] < eps ? eps : c[i];

		psi += (b - a) * log(b / a);
	}
	return psi;
}

/* scipy.special.rel_entr: x log(x/y), 0 at x = 0 */
static double
rel_entr(double x, double y)
{
	if (x > 0 && y > 0)
		return x * log(x / y);
	return x == 0 && y >= 0 ? 0 : INFINITY;
}

double
bp_drift_js(const size_t *rc, size_t rn, const size_t *cc, size_t cn,
	    size_t k)
{
	double left = 0, right = 0, js;

	for (size_t i = 0; i < k; i++) {
		double p = (double)rc[i] / (double)rn;
		double q = (double)cc[i] / (double)cn;
		double m = (p + q) / 2.0;

		left += rel_entr(p, m);
		right += rel_entr(q, m);
	}
	js = (left + right) / log(2.0);
	return js > 0 ? sqrt(js / 2.0) : 0.0;
}

double
bp_drift_js_shares(const double *r, const double *c, size_t k)
{
	double left = 0, right = 0, js;

	for (size_t i = 0; i < k; i++) {
		double m = (r[i] + c[i]) / 2.0;

		left += rel_entr(r[i], m);
		right += rel_entr(c[i], m);
	}
	js = (left + right) / log(2.0);
	return js > 0 ? sqrt(js / 2.0) : 0.0;
}

/* Neumaier's compensated running sum. */
struct ksum {
	double s, c;
};

static inline void
ksum_add(struct ksum *k, double x)
{
	double t = k->s + x;

	if (fabs(k->s) >= fabs(x))
		k->c += (k->s - t) + x;
	else
		k->c += (x - t) + k->s;
	k->s = t;
}

double
bp_drift_wasserstein(const double *a, size_t na, const double *b, size_t nb)
{
	struct ksum sum = { 0, 0 };
	size_t i = 0, j = 0;
	double v = a[0] < b[0] ? a[0] : b[0];

	for (;;) {
		double fa, fb, next;

		while (i < na && a[i] <= v)
			i++;
		while (j < nb && b[j] <= v)
			j++;
		if (i >= na && j >= nb)
			break;
		if (i >= na)
			next = b[j];
		else if (j >= nb)
			next = a[i];
		else
			next = a[i] < b[j] ? a[i] : b[j];
		fa = (double)i / (double)na;
		fb = (double)j / (double)nb;
		ksum_add(&sum, fabs(fa - fb) * (next - v));
		v = next;
	}
	return sum.s + sum.c;
}

void
bp_drift_moments(struct bp_moments *m, const double *x, size_t n)
{
	struct ksum s = { 0, 0 }, ss = { 0, 0 };
	double mean;

	m->n = n;
	m->mean = m->sd = NAN;
	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		ksum_add(&s, x[i]);
	mean = (s.s + s.c) / (double)n;
	m->mean = mean;
	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++)
		ksum_add(&ss, (x[i] - mean) * (x[i] - mean));
	m->sd = sqrt((ss.s + ss.c) / (double)(n - 1));
}

/* ---- chi-square ---------------------------------------------------------- */

/*
 * Regularised upper incomplete gamma Q(a, x): the series for P when
 * x < a + 1, else the continued fraction for Q (modified Lentz), as in
 * Press et al., Numerical Recipes, 3rd ed., section 6.2.
 */
static double
gamma_q(double a, double x)
{
	double lg = lgamma(a);

	if (x <= 0)
		return 1.0;
	if (x < a + 1) {
		double ap = a, del = 1.0 / a, sum = del;

		for (int i = 0; i < 10000; i++) {
			ap += 1;
			del *= x / ap;
			sum += del;
			if (fabs(del) < fabs(sum) * 1e-17)
				break;
		}
		return 1.0 - sum * exp(-x + a * log(x) - lg);
	} else {
		double b = x + 1 - a, c = 1.0 / DBL_MIN, d = 1.0 / b, h = d;

		for (int i = 1; i < 10000; i++) {
			double an = -i * (i - a), del;

			b += 2;
			d = an * d + b;
			if (fabs(d) < DBL_MIN)
				d = DBL_MIN;
			c = b + an / c;
			if (fabs(c) < DBL_MIN)
				c = DBL_MIN;
			d = 1.0 / d;
			del = d * c;
			h *= del;
			if (fabs(del - 1.0) < 1e-17)
				break;
		}
		return exp(-x + a * log(x) - lg) * h;
	}
}

double
bp_drift_chi2_sf(double x, double df)
{
	if (isnan(x) || !(df > 0))
		return NAN;
	return clip01(gamma_q(df / 2.0, x / 2.0));
}

void
bp_drift_chi2(struct bp_chi2 *out, const size_t *rc, const size_t *cc,
	      size_t k)
{
	double rn = 0, cn = 0, stat = 0;
	size_t used = 0;

	for (size_t i = 0; i < k; i++) {
		rn += (double)rc[i];
		cn += (double)cc[i];
	}
	out->statistic = NAN;
	out->df = 0;
	out->pvalue = NAN;
	if (rn == 0 || cn == 0)
		return;
	for (size_t i = 0; i < k; i++) {
		double tot = (double)rc[i] + (double)cc[i], er, ec;

		if (tot == 0)
			continue;
		used++;
		er = tot * rn / (rn + cn);
		ec = tot * cn / (rn + cn);
		stat += (rc[i] - er) * (rc[i] - er) / er +
			(cc[i] - ec) * (cc[i] - ec) / ec;
	}
	out->statistic = stat;
	out->df = used > 1 ? (double)(used - 1) : 0;
	out->pvalue = used > 1 ? bp_drift_chi2_sf(stat, out->df) : 1.0;
	if (used < 2)
		out->statistic = 0;
}
