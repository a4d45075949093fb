/* fuzzy: triangular, trapezoidal and gaussian membership functions. */
#include "fuzzy.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

static const char *const shape_names[] = { "tri", "trap", "gauss" };
static const int shape_nparam[] = { 3, 4, 2 };

int
bp_fuzzy_shape_find(const char *name)
{
	for (size_t i = 0; i < BP_ARRAY_SIZE(shape_names); i++)
		if (strcmp(shape_names[i], name) == 0)
			return (int)i;
	return -1;
}

const char *
bp_fuzzy_shape_name(enum bp_fuzzy_shape shape)
{
	return shape_names[shape];
}

int
bp_fuzzy_nparam(enum bp_fuzzy_shape shape)
{
	return shape_nparam[shape];
}

/* Rising edge from a (0) to b (1); a == b is a step at a. */
static double
rise(double x, double a, double b)
{
	if (x >= b)
		return 1.0;
	if (x <= a)
		return 0.0;
	return (x - a) / (b - a);
}

static double
fall(double x, double c, double d)
{
	if (x <= c)
		return 1.0;
	if (x >= d)
		return 0.0;
	return (d - x) / (d - c);
}

double
bp_fuzzy_eval(const struct bp_fuzzy_set *s, double x)
{
	const double *p = s->p;
	double z;

	if (isnan(x))
		return NAN;
	switch (s->shape) {
	case BP_FUZZY_TRI:
		if (x < p[0] || x > p[2])
			return 0.0;
		if (x < p[1])
			return rise(x, p[0], p[1]);
		return fall(x, p[1], p[2]);
	case BP_FUZZY_TRAP:
		if (x < p[0] || x > p[3])
			return 0.0;
		if (x < p[1])
			return rise(x, p[0], p[1]);
		return fall(x, p[2], p[3]);
	case BP_FUZZY_GAUSS:
		z = (x - p[0]) / p[1];
		return exp(-0.5 * z * z);
	}
	return NAN;
}

static int
valid_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return 0;
	return 1;
}

int
bp_fuzzy_check(const struct bp_fuzzy_set *s, char *err, size_t errlen)
{
	const double *p = s->p;
	int np = shape_nparam[s->shape];

	if (!valid_name(s->name)) {
		snprintf(err, errlen, "set name '%s' is not made of letters, "
			 "digits and '_'", s->name);
		return -1;
	}
	for (int i = 0; i < np; i++) {
		if (!isfinite(p[i])) {
			snprintf(err, errlen, "set '%s': parameters must be "
				 "finite numbers", s->name);
			return -1;
		}
	}
	switch (s->shape) {
	case BP_FUZZY_TRI:
		if (!(p[0] <= p[1] && p[1] <= p[2] && p[0] < p[2])) {
			snprintf(err, errlen, "set '%s': tri(a,b,c) needs "
				 "a <= b <= c and a < c", s->name);
			return -1;
		}
		break;
	case BP_FUZZY_TRAP:
		if (!(p[0] <= p[1] && p[1] <= p[2] && p[2] <= p[3] &&
		      p[0] < p[3])) {
			snprintf(err, errlen, "set '%s': trap(a,b,c,d) needs "
				 "a <= b <= c <= d and a < d", s->name);
			return -1;
		}
		break;
	case BP_FUZZY_GAUSS:
		if (!(p[1] > 0)) {
			snprintf(err, errlen, "set '%s': gauss(mean,sigma) "
				 "needs sigma > 0", s->name);
			return -1;
		}
		break;
	}
	return 0;
}

void
bp_fuzzy_sets_free(struct bp_fuzzy_set *sets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(sets[i].name);
	free(sets);
}

/* Parse one "name=shape(p,...)" starting at *sp; advance past it. */
static int
parse_one(const char **sp, struct bp_fuzzy_set *s, char *err, size_t errlen)
{
	const char *p = *sp, *q;
	char shape[16];
	int sh, np = 0;

	q = strchr(p, '=');
	if (!q || q == p) {
		snprintf(err, errlen, "expected name=shape(...) at '%s'", p);
		return -1;
	}
	s->name = bp_xstrndup(p, (size_t)(q - p));
	p = q + 1;
	q = strchr(p, '(');
	if (!q || (size_t)(q - p) >= sizeof(shape)) {
		snprintf(err, errlen, "set '%s': expected tri(...), trap(...) "
			 "or gauss(...)", s->name);
		return -1;
	}
	memcpy(shape, p, (size_t)(q - p));
	shape[q - p] = '\0';
	sh = bp_fuzzy_shape_find(shape);
	if (sh < 0) {
		snprintf(err, errlen, "set '%s': unknown shape '%s' (tri, "
			 "trap or gauss)", s->name, shape);
		return -1;
	}
	s->shape = (enum bp_fuzzy_shape)sh;
	p = q + 1;
	for (;;) {
		size_t len = strcspn(p, ",)");

		if (np == 4 || bp_parse_double(p, len, &s->p[np]) < 0) {
			snprintf(err, errlen, "set '%s': %s takes %d numbers",
				 s->name, shape, shape_nparam[sh]);
			return -1;
		}
		np++;
		p += len;
		if (*p == ')')
			break;
		if (*p != ',') {
			snprintf(err, errlen, "set '%s': missing ')'", s->name);
			return -1;
		}
		p++;
	}
	if (np != shape_nparam[sh]) {
		snprintf(err, errlen, "set '%s': %s takes %d numbers, not %d",
			 s->name, shape, shape_nparam[sh], np);
		return -1;
	}
	*sp = p + 1;
	return bp_fuzzy_check(s, err, errlen);
}

int
bp_fuzzy_parse(const char *text, struct bp_fuzzy_set **sets, size_t *n,
	       char *err, size_t errlen)
{
	struct bp_fuzzy_set *v = NULL;
	size_t cnt = 0, alloc = 0;
	const char *p = text;

	for (;;) {
		BP_GROW(v, alloc, cnt + 1);
		memset(&v[cnt], 0, sizeof(v[cnt]));
		cnt++;
		if (parse_one(&p, &v[cnt - 1], err, errlen) < 0)
			goto fail;
		for (size_t i = 0; i + 1 < cnt; i++) {
			if (strcmp(v[i].name, v[cnt - 1].name) == 0) {
				snprintf(err, errlen, "set '%s' is defined "
					 "twice", v[i].name);
				goto fail;
			}
		}
		if (!*p)
			break;
		if (*p != ',') {
			snprintf(err, errlen, "expected ',' between sets at "
				 "'%s'", p);
			goto fail;
		}
		p++;
	}
	*sets = v;
	*n = cnt;
	return 0;
fail:
	bp_fuzzy_sets_free(v, cnt);
	return -1;
}

struct span {
	double a, b;
};

static int
cmp_span(const void *x, const void *y)
{
	const struct span *s = x, *t = y;

	return s->a < t->a ? -1 : s->a > t->a;
}

int
bp_fuzzy_gaps(const struct bp_fuzzy_set *sets, size_t n, double lo,
	      double hi, struct bp_buf *out)
{
	struct span *sp = bp_xcalloc(n ? n : 1, sizeof(*sp));
	double reach;
	char a[BP_FMT_BUFSZ], b[BP_FMT_BUFSZ];
	int gaps = 0;

	for (size_t i = 0; i < n; i++) {
		const double *p = sets[i].p;

		switch (sets[i].shape) {
		case BP_FUZZY_TRI:
			sp[i].a = p[0];
			sp[i].b = p[2];
			break;
		case BP_FUZZY_TRAP:
			sp[i].a = p[0];
			sp[i].b = p[3];
			break;
		case BP_FUZZY_GAUSS:	/* positive everywhere */
			free(sp);
			return 0;
		}
	}
	qsort(sp, n, sizeof(*sp), cmp_span);
	if (isnan(lo))
		lo = sp[0].a;
	if (isnan(hi)) {
		hi = sp[0].b;
		for (size_t i = 1; i < n; i++)
			if (sp[i].b > hi)
				hi = sp[i].b;
	}
	/* the sets are positive on the open intervals (a, b) */
	reach = lo;
	for (size_t i = 0; i <= n && reach < hi; i++) {
		double next = i < n ? sp[i].a : hi;

		if (next > hi)
			next = hi;
		if (next > reach) {
			bp_fmt_double(a, reach);
			bp_fmt_double(b, next);
			bp_buf_addf(out, "%s[%s, %s]", gaps ? ", " : "", a, b);
			gaps++;
		}
		if (i < n && sp[i].b > reach)
			reach = sp[i].b;
	}
	free(sp);
	return gaps;
}
