/*
 * fuzzy: membership functions for neuro-fuzzy features.
 *
 * A fuzzy set over a column maps each value to a degree of membership in
 * [0, 1].  Shapes:
 *   tri(a,b,c)     0 outside (a, c), rising linearly to 1 at b, falling to c
 *                  (a = b or b = c makes a shoulder: 1 at that edge)
 *   trap(a,b,c,d)  0 outside (a, d), 1 on [b, c], linear on the sides
 *   gauss(m,s)     exp(-((x - m) / s)^2 / 2), s > 0
 * Sets are written "name=shape(p,...)" and a column's sets are separated
 * by commas: "oversold=tri(0,20,30),neutral=tri(25,50,75)".
 */
#ifndef BP_FUZZY_H
#define BP_FUZZY_H

#include <stddef.h>

#include "util.h"

enum bp_fuzzy_shape {
	BP_FUZZY_TRI,
	BP_FUZZY_TRAP,
	BP_FUZZY_GAUSS,
};

struct bp_fuzzy_set {
	char *name;
	enum bp_fuzzy_shape shape;
	double p[4];
};

/* "tri", "trap", "gauss" -> shape, or -1; number of parameters. */
int bp_fuzzy_shape_find(const char *name);
const char *bp_fuzzy_shape_name(enum bp_fuzzy_shape shape);
int bp_fuzzy_nparam(enum bp_fuzzy_shape shape);

/* Membership of x (NaN gives NaN). */
double bp_fuzzy_eval(const struct bp_fuzzy_set *s, double x);

/*
 * Check one set is well formed (finite parameters, a <= b <= c with a < c
 * for tri; a <= b <= c <= d with a < d for trap; s > 0 for gauss; a name of
 * letters, digits and '_').  Returns 0, or -1 with the reason in err.
 */
int bp_fuzzy_check(const struct bp_fuzzy_set *s, char *err, size_t errlen);

/*
 * Parse "name=shape(p,...),..." into a new array of sets (*sets, *n; free
 * with bp_fuzzy_sets_free).  Each set is checked.  Returns 0, or -1 with
 * the reason in err.
 */
int bp_fuzzy_parse(const char *text, struct bp_fuzzy_set **sets, size_t *n,
		   char *err, size_t errlen);
void bp_fuzzy_sets_free(struct bp_fuzzy_set *sets, size_t n);

/*
 * Gaps: parts of [lo, hi] of positive length where every set is 0.  When
 * lo or hi is NaN, the range is the span of the sets' supports.  Appends
 * "[a, b]" for each gap to out (comma separated) and returns how many
 * there are.
 */
int bp_fuzzy_gaps(const struct bp_fuzzy_set *sets, size_t n, double lo,
		  double hi, struct bp_buf *out);

#endif
