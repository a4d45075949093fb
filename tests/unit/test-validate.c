/*
 * test-validate: ordering, repeats, timeframe inference, gaps and bad-row
 * policies on tables built by hand (no CSV involved).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "csvin.h"
#include "tap.h"
#include "util.h"
#include "validate.h"

#define H 3600000LL

/* A one-file table of bars at ts[] (hours) with close[] and line = i + 2. */
static void
table(struct bp_csv_table *t, const int64_t *hours, const double *close,
      size_t n)
{
	memset(t, 0, sizeof(*t));
	t->files = bp_xcalloc(1, sizeof(*t->files));
	t->files[0].name = bp_xstrdup("t.csv");
	t->files[0].rows = (long)n;
	t->files[0].need_fields = 6;
	t->nfiles = t->files_alloc = 1;
	t->rows = bp_xcalloc(n, sizeof(*t->rows));
	t->n = t->alloc = n;
	for (size_t i = 0; i < n; i++) {
		struct bp_csv_row *r = &t->rows[i];

		r->ts = hours[i] * H;
		r->tsok = 1;
		r->line = (uint32_t)(i + 2);
		for (int c = 0; c < BP_COL_N; c++)
			r->v[c] = NAN;
		r->v[BP_COL_OPEN] = 10;
		r->v[BP_COL_HIGH] = 20;
		r->v[BP_COL_LOW] = 5;
		r->v[BP_COL_CLOSE] = close ? close[i] : 15;
		r->v[BP_COL_VOLUME] = 1;
	}
}

static void
test_order_and_repeats(void)
{
	/* newest first with an identical repeat of 2h and a conflict at 1h */
	static const int64_t hours[] = { 4, 3, 2, 2, 1, 1, 0 };
	static const double close[] = { 15, 15, 15, 15, 11, 12, 15 };
	struct bp_csv_table t;
	struct bp_validate v;
	struct bp_validate_opts o = BP_VALIDATE_OPTS_INIT;

	table(&t, hours, close, 7);
	fprintf(stderr, "# expect an error below\n");
	ok(bp_validate_run(&v, &t, &o) < 0, "conflict with --dupes error");
	bp_validate_release(&v);
	bp_csv_table_release(&t);

	table(&t, hours, close, 7);
	o.dupes = BP_DUPES_FIRST;
	ok(bp_validate_run(&v, &t, &o) == 0 && t.n == 5,
	   "--dupes first: 5 bars");
	ok(v.identical == 1 && v.conflicting == 1, "1 identical, 1 conflict");
	ok(t.n == 5 && t.rows[1].ts == H && t.rows[1].v[BP_COL_CLOSE] == 11,
	   "first in file order kept (line 6, close 11)");
	for (size_t i = 1; i < t.n; i++)
		ok(t.rows[i].ts > t.rows[i - 1].ts, "ascending at %zu", i);
	ok(v.unsorted == 0, "newest first is not unsorted");
	bp_validate_release(&v);
	bp_csv_table_release(&t);

	table(&t, hours, close, 7);
	o.dupes = BP_DUPES_LAST;
	ok(bp_validate_run(&v, &t, &o) == 0 && t.n == 5 &&
		   t.rows[1].v[BP_COL_CLOSE] == 12,
	   "--dupes last keeps line 7 (close 12)");
	bp_validate_release(&v);
	bp_csv_table_release(&t);
}

static void
test_timeframe(void)
{
	/* spacings 1,2,3,1,2,3,1 h: 1h is the most common, not a majority */
	static const int64_t hours[] = { 0, 1, 3, 6, 7, 9, 12, 13 };
	/* spacings mostly 2h */
	static const int64_t two[] = { 0, 2, 4, 6, 7, 9 };
	struct bp_csv_table t;
	struct bp_validate v;
	struct bp_validate_opts o = BP_VALIDATE_OPTS_INIT;

	table(&t, hours, NULL, 8);
	ok(bp_validate_run(&v, &t, &o) == 0 && v.timeframe == H &&
		   v.timeframe_inferred,
	   "inferred 1h (no majority)");
	/* gaps: 1->3 (1 missing), 3->6 (2), 7->9 (1), 9->12 (2) */
	ok(v.gaps == 4 && v.missing == 6 && v.largest_gap == 3 * H &&
		   v.largest_gap_after == 3 * H,
	   "4 gaps, 6 missing, largest 3h after 03:00");
	bp_validate_release(&v);
	bp_csv_table_release(&t);

	table(&t, two, NULL, 6);
	ok(bp_validate_run(&v, &t, &o) == 0 && v.timeframe == 2 * H,
	   "inferred 2h (majority)");
	ok(v.gaps == 0 && v.misaligned == 2, "no gaps; 07:00 and 09:00 "
					     "are off the 2h grid");
	bp_validate_release(&v);
	bp_csv_table_release(&t);

	table(&t, two, NULL, 6);
	o.timeframe = H;
	ok(bp_validate_run(&v, &t, &o) == 0 && v.timeframe == H &&
		   !v.timeframe_inferred && v.common_spacing == 2 * H,
	   "--timeframe 1h kept; common spacing 2h");
	ok(v.gaps == 4 && v.missing == 4, "against 1h: 4 gaps of 1 bar");
	bp_validate_release(&v);
	bp_csv_table_release(&t);
}

static void
test_bad_rows(void)
{
	static const int64_t hours[] = { 0, 1, 2, 3 };
	struct bp_csv_table t;
	struct bp_validate v;
	struct bp_validate_opts o = BP_VALIDATE_OPTS_INIT;
	char why[128];

	table(&t, hours, NULL, 4);
	t.rows[1].v[BP_COL_HIGH] = 12;	/* below close 15 */
	t.rows[2].v[BP_COL_VOLUME] = -1;
	o.on_bad = BP_ON_BAD_SKIP;
	ok(bp_validate_run(&v, &t, &o) == 0 && t.n == 2 && v.skipped == 2 &&
		   v.bad_kind[BP_BAD_HIGH] == 1 &&
		   v.bad_kind[BP_BAD_NEGATIVE] == 1,
	   "skip: 2 dropped, one high and one negative");
	bp_validate_release(&v);
	bp_csv_table_release(&t);

	table(&t, hours, NULL, 4);
	t.rows[1].v[BP_COL_LOW] = 25;	/* above high 20 */
	o.on_bad = BP_ON_BAD_REPORT;
	o.collect = 1;
	ok(bp_validate_run(&v, &t, &o) == 0 && t.n == 4 && v.kept == 1 &&
		   v.ok,
	   "report: kept, and acceptable");
	bp_validate_reason(&t.rows[1], why, sizeof(why));
	ok(strcmp(why, "'low' 25 is above 'high' 20") == 0, "reason: %s",
	   why);
	bp_validate_release(&v);
	bp_csv_table_release(&t);

	table(&t, hours, NULL, 4);
	t.rows[3].v[BP_COL_OPEN] = 4;	/* below low 5 */
	o.on_bad = BP_ON_BAD_FAIL;
	o.collect = 1;
	ok(bp_validate_run(&v, &t, &o) == 0 && !v.ok && v.bad == 1 &&
		   v.bars == 3,
	   "collect with fail: not ok, the bad row left out");
	bp_validate_release(&v);
	bp_csv_table_release(&t);
}

int
main(void)
{
	bp_setprogname("test-validate");
	test_order_and_repeats();
	test_timeframe();
	test_bad_rows();
	return done_testing();
}
