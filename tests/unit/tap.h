/*
 * tap.h: a tiny TAP producer for barpipe's C unit tests.
 *
 *	ok(cond, "name %d", i);
 *	is_close(got, want, 1e-12, "rsi[%d]", i);   relative-or-absolute tol
 *	return done_testing();                     exit status 1 on failure
 */
#ifndef BP_TAP_H
#define BP_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static void
tap_vresult(int pass, const char *fmt, va_list ap)
{
	tap_n++;
	if (!pass)
		tap_failed++;
	printf("%sok %d - ", pass ? "" : "not ", tap_n);
	vprintf(fmt, ap);
	putchar('\n');
}

__attribute__((format(printf, 2, 3), unused)) static int
ok(int pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_vresult(pass, fmt, ap);
	va_end(ap);
	return pass;
}

/*
 * Pass when |got - want| <= tol * max(1, |want|); NaN matches NaN only.
 */
__attribute__((format(printf, 4, 5), unused)) static int
is_close(double got, double want, double tol, const char *fmt, ...)
{
	va_list ap;
	int pass;
	double scale = fabs(want) > 1.0 ? fabs(want) : 1.0;

	if (isnan(want) || isnan(got))
		pass = isnan(want) && isnan(got);
	else
		pass = fabs(got - want) <= tol * scale;
	va_start(ap, fmt);
	tap_vresult(pass, fmt, ap);
	va_end(ap);
	if (!pass)
		printf("#   got %.17g, want %.17g (tol %g)\n", got, want, tol);
	return pass;
}

__attribute__((unused)) static int
done_testing(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d failed\n", tap_failed, tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
