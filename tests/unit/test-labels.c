/*
 * test-labels: the labeler's callback contract: every label of every row
 * is reported at most once, exactly when it becomes known, with the right
 * end; the values by hand on a small series.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "tap.h"
#include "util.h"

#define N 2000

struct rec {
	int seen[4];		/* reports per def */
	double v[4], bars[4];
	int64_t end[4];
	long reported_at[4];	/* index of the row being pushed */
};

static struct rec rec[N];
static long now;

static void
on_label(void *ctx, void *row, size_t def, double v, double bars, int64_t end)
{
	struct rec *r = row;

	(void)ctx;
	r->seen[def]++;
	r->v[def] = v;
	r->bars[def] = bars;
	r->end[def] = end;
	r->reported_at[def] = now;
}

static void
contract(void)
{
	struct bp_label_def defs[3];
	struct bp_labeler *lb;
	int once = 1, timely = 1, ends = 1;
	double c = 100;
	struct bp_rng rng;

	bp_label_defaults(&defs[0], BP_LABEL_RET);
	defs[0].horizon = 7;
	bp_label_defaults(&defs[1], BP_LABEL_UP);
	defs[1].horizon = 3;
	bp_label_defaults(&defs[2], BP_LABEL_TB);
	defs[2].horizon = 12;
	defs[2].window = 5;
	lb = bp_labeler_new(defs, 3);
	bp_rng_seed(&rng, 3);
	memset(rec, 0, sizeof(rec));
	for (now = 0; now < N; now++) {
		c *= exp(0.01 * bp_rng_normal(&rng));
		bp_labeler_push(lb, &rec[now], now * 3600000, c * 1.004,
				c * 0.996, c, on_label, NULL);
	}
	for (long i = 0; i < N; i++) {
		for (int d = 0; d < 3; d++) {
			int h = defs[d].horizon;

			if (rec[i].seen[d] > 1)
				once = 0;
			/* fixed horizons: reported at exactly i + h, never
			 * for the last h rows */
			if (d < 2 && ((i + h < N) != (rec[i].seen[d] == 1) ||
				      (rec[i].seen[d] &&
				       rec[i].reported_at[d] != i + h)))
				timely = 0;
			if (d < 2 && rec[i].seen[d] && !isnan(rec[i].v[d]) &&
			    rec[i].end[d] != (i + h) * 3600000)
				ends = 0;
			/* the barrier: within h bars, end = the hit bar */
			if (d == 2 && rec[i].seen[d] && !isnan(rec[i].v[d]) &&
			    (rec[i].reported_at[d] > i + h ||
			     rec[i].end[d] != rec[i].reported_at[d] * 3600000 ||
			     rec[i].bars[d] != rec[i].reported_at[d] - i))
				ends = 0;
		}
	}
	ok(once, "each label of each row is reported at most once");
	ok(timely, "fixed-horizon labels are reported at t + h, and only "
	   "when the future is there");
	ok(ends, "ends are the ts of the last bar used");
	ok(rec[0].seen[2] == 1 && isnan(rec[0].v[2]) &&
	   rec[0].end[2] == INT64_MIN,
	   "no barrier width yet: null at once, null end");
	ok(rec[N - 1].seen[2] == 0, "the last row's barrier is never known");
	bp_labeler_free(&lb);
}

/* A NULL row handle is tracked but never reported. */
static void
null_handle(void)
{
	struct bp_label_def def;
	struct bp_labeler *lb;

	bp_label_defaults(&def, BP_LABEL_RET);
	def.horizon = 1;
	lb = bp_labeler_new(&def, 1);
	memset(rec, 0, sizeof(rec));
	now = 0;
	bp_labeler_push(lb, NULL, 0, 2, 1, 1.5, on_label, NULL);
	now = 1;
	bp_labeler_push(lb, &rec[1], 3600000, 2, 1, 1.8, on_label, NULL);
	now = 2;
	bp_labeler_push(lb, &rec[2], 7200000, 2, 1, 0.9, on_label, NULL);
	ok(rec[1].seen[0] == 1 && rec[1].v[0] == 0.9 / 1.8 - 1 &&
	   rec[1].end[0] == 7200000, "ret(1) by hand");
	ok(rec[2].seen[0] == 0, "no report without a later bar");
	bp_labeler_free(&lb);
}

static void
names(void)
{
	struct bp_label_def def;
	char *n;

	bp_label_defaults(&def, BP_LABEL_LOGRET);
	def.horizon = 12;
	n = bp_label_default_name(&def);
	ok(strcmp(n, "label_logret_12") == 0, "default name %s", n);
	free(n);
	bp_label_defaults(&def, BP_LABEL_TB);
	n = bp_label_default_name(&def);
	ok(strcmp(n, "label_tb") == 0 && def.horizon == 10 &&
	   def.window == 14 && bp_label_nvalues(&def) == 2,
	   "tb defaults: %s, 10 bars, ATR 14, two values", n);
	free(n);
	ok(bp_label_kind_find("up") == BP_LABEL_UP &&
	   bp_label_kind_find("down") < 0, "kind names");
}

int
main(void)
{
	contract();
	null_handle();
	names();
	return done_testing();
}
