/*
 * test-resample: bucket aggregation against bars computed by hand, UTC
 * alignment (days, Monday weeks, times before 1970), partial edge buckets.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bars.h"
#include "resample.h"
#include "stream.h"
#include "tap.h"
#include "ts.h"
#include "util.h"

#define H 3600000LL
#define M 60000LL
#define D 86400000LL

struct out {
	struct bp_bar b[16];
	char sym[16][8];
	int partial[16];
	int n;
};

static char path[] = "/tmp/test-resample.XXXXXX";

/* Resample n bars (symbols in syms) and read the output back. */
static int
run(const struct bp_resample_opts *o, const char *const *syms,
    const struct bp_bar *in, int n, struct out *res)
{
	struct bp_writer *w = bp_writer_open(path, BP_WRITER_PLAIN);
	struct bp_resample *r = bp_resample_new(o, w);
	struct bp_reader *rd;
	struct bp_row row = BP_ROW_INIT;
	int hints[7] = { -1, -1, -1, -1, -1, -1, -1 }, rc = 0;

	for (int i = 0; i < n && rc == 0; i++)
		rc = bp_resample_add(r, syms[i], strlen(syms[i]), &in[i],
				     "test");
	if (rc == 0)
		rc = bp_resample_finish(r);
	bp_resample_free(&r);
	if (rc < 0) {
		bp_writer_abort(&w);
		return -1;
	}
	bp_writer_close(&w);
	memset(res, 0, sizeof(*res));
	rd = bp_reader_open(path);
	while (bp_reader_next(rd, &row) > 0 && res->n < 16) {
		const char *s;
		size_t sl;
		char err[64];
		int k = bp_row_find(&row, "partial", NULL);

		bp_bars_get(&row, hints, &res->b[res->n], &s, &sl, err,
			    sizeof(err));
		snprintf(res->sym[res->n], 8, "%.*s", (int)sl, s);
		res->partial[res->n] = k < 0 ? -1 : row.f[k].boolean;
		res->n++;
	}
	bp_row_release(&row);
	bp_reader_free(&rd);
	return 0;
}

static void
is_bar(const struct out *o, int i, const char *sym, int64_t ts, double op,
       double hi, double lo, double cl, double vol, const char *name)
{
	const struct bp_bar *b = &o->b[i];

	ok(i < o->n && strcmp(o->sym[i], sym) == 0 && b->ts == ts &&
		   b->open == op && b->high == hi && b->low == lo &&
		   b->close == cl && b->volume == vol,
	   "%s: %s %lld o %g h %g l %g c %g v %g", name, sym, (long long)ts,
	   op, hi, lo, cl, vol);
	if (i < o->n && b->ts != ts)
		printf("#   got ts %lld\n", (long long)b->ts);
}

static void
test_15m_to_1h(void)
{
	/* 00:00 00:15 00:30 00:45 | 01:00 01:15 (source ended mid-hour) */
	static const struct bp_bar in[] = {
		{ 0 * M, 10, 11, 9, 10.5, 1 },
		{ 15 * M, 10.5, 12, 10, 11, 2 },
		{ 30 * M, 11, 11.5, 8, 9, 3 },
		{ 45 * M, 9, 10, 8.5, 9.75, 4 },
		{ 60 * M, 9.75, 10.25, 9.5, 10, 5 },
		{ 75 * M, 10, 10.5, 9.75, 10.25, 0.5 },
	};
	const char *const syms[] = { "X", "X", "X", "X", "X", "X" };
	struct bp_resample_opts o = { H, 0, BP_PARTIAL_MARK };
	struct out res;

	ok(run(&o, syms, in, 6, &res) == 0 && res.n == 2, "15m->1h: 2 bars");
	/* by hand: o 10, h max(11,12,11.5,10) = 12, l min(9,10,8,8.5) = 8,
	 * c 9.75, v 1+2+3+4 = 10 */
	is_bar(&res, 0, "X", 0, 10, 12, 8, 9.75, 10, "15m->1h first hour");
	ok(res.partial[0] == 0, "first hour complete (4 of 4)");
	is_bar(&res, 1, "X", H, 9.75, 10.5, 9.5, 10.25, 5.5,
	       "15m->1h last hour");
	ok(res.partial[1] == 1, "last hour partial (2 of 4)");
	o.partial = BP_PARTIAL_DROP;
	ok(run(&o, syms, in, 6, &res) == 0 && res.n == 1 &&
		   res.partial[0] == -1,
	   "drop: the partial hour is gone, no partial column");
}

static void
test_alignment(void)
{
	/* Sun 2024-01-07 and Mon 2024-01-08 are in different weeks */
	int64_t sun = bp_ts_days_from_civil(2024, 1, 7) * D;
	static struct bp_bar in[3];
	const char *const syms[] = { "S", "S", "S" };
	struct bp_resample_opts o = { 7 * D, D, BP_PARTIAL_KEEP };
	struct out res;

	in[0] = (struct bp_bar){ sun, 1, 2, 0.5, 1.5, 1 };
	in[1] = (struct bp_bar){ sun + D, 1.5, 3, 1, 2.5, 2 };
	in[2] = (struct bp_bar){ sun + 2 * D, 2.5, 2.5, 2, 2, 3 };
	ok(run(&o, syms, in, 3, &res) == 0 && res.n == 2, "1d->1w: 2 weeks");
	is_bar(&res, 0, "S", bp_ts_days_from_civil(2024, 1, 1) * D, 1, 2, 0.5,
	       1.5, 1, "week of Monday 2024-01-01");
	is_bar(&res, 1, "S", bp_ts_days_from_civil(2024, 1, 8) * D, 1.5, 3,
	       1, 2, 5, "week of Monday 2024-01-08");

	/* before 1970: 1969-12-31T23:30Z is in the 23:00 hour */
	in[0] = (struct bp_bar){ -30 * M, 1, 1, 1, 1, 1 };
	in[1] = (struct bp_bar){ -15 * M, 2, 2, 2, 2, 1 };
	in[2] = (struct bp_bar){ 0, 3, 3, 3, 3, 1 };
	o = (struct bp_resample_opts){ H, 0, BP_PARTIAL_KEEP };
	ok(run(&o, syms, in, 3, &res) == 0 && res.n == 2,
	   "1969: 2 hours");
	is_bar(&res, 0, "S", -H, 1, 2, 1, 2, 2, "1969-12-31T23:00Z");
	is_bar(&res, 1, "S", 0, 3, 3, 3, 3, 1, "1970-01-01T00:00Z");
}

static void
test_symbols(void)
{
	/* interleaved: each symbol's own buckets; a lone bar is partial */
	static const struct bp_bar in[] = {
		{ 0, 1, 2, 1, 2, 1 },	    { 0, 5, 5, 5, 5, 7 },
		{ 30 * M, 2, 3, 1, 3, 1 }, { 60 * M, 3, 3, 2, 2, 1 },
	};
	const char *const syms[] = { "A", "B", "A", "A" };
	struct bp_resample_opts o = { H, 0, BP_PARTIAL_MARK };
	struct out res;

	ok(run(&o, syms, in, 4, &res) == 0 && res.n == 3, "2 symbols");
	is_bar(&res, 0, "A", 0, 1, 3, 1, 3, 2, "A first hour");
	ok(res.partial[0] == 0, "A first hour complete (30m bars)");
	is_bar(&res, 1, "B", 0, 5, 5, 5, 5, 7, "B lone bar");
	ok(res.partial[1] == 1, "B lone bar partial (spacing unknown)");
	is_bar(&res, 2, "A", H, 3, 3, 2, 2, 1, "A last hour");
	ok(res.partial[2] == 1, "A last hour partial (1 of 2)");
}

static void
test_errors(void)
{
	static const struct bp_bar back[] = { { H, 1, 1, 1, 1, 1 },
					      { 0, 1, 1, 1, 1, 1 } };
	static const struct bp_bar odd[] = { { 0, 1, 1, 1, 1, 1 },
					     { 40 * M, 1, 1, 1, 1, 1 } };
	const char *const syms[] = { "A", "A" };
	struct bp_resample_opts o = { H, 0, BP_PARTIAL_KEEP };
	struct out res;

	fprintf(stderr, "# expect errors below\n");
	ok(run(&o, syms, back, 2, &res) < 0, "time going back is an error");
	ok(run(&o, syms, odd, 2, &res) < 0,
	   "a 40m spacing does not divide 1h");
}

int
main(void)
{
	int fd = mkstemp(path);

	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	bp_setprogname("test-resample");
	test_15m_to_1h();
	test_alignment();
	test_symbols();
	test_errors();
	unlink(path);
	return done_testing();
}
