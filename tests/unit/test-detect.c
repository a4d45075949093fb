/*
 * test-detect: the streaming change detectors on synthetic streams with a
 * known change point.  Each stream is N(0, 1) for rows 0..999 and
 * N(1, 1) (a shift of one standard deviation) from row 1000 on; every
 * detector runs over RUNS seeded streams and we report and bound its
 * false alarms (any alarm before row 1000) and detection delay (first
 * alarm at or after row 1000, minus 1000).
 *
 * The bounds are properties of the detectors, set from their theory with
 * a margin, and checked on fixed seeds (the runs are deterministic):
 *   ADWIN, delta 0.002: a false alarm needs a cut test to fail at
 *     confidence delta' per split, so none in 50 x 1000 values; a one-sd
 *     shift is found after ~60-110 values (the bound 200 is loose).
 *   Page-Hinkley, delta 0.1, lambda 50: in control the statistic is a
 *     random walk reflected at 0 with drift -0.1, exceeding 50 with
 *     probability ~exp(-2 * 0.1 * 50) = 5e-5; after the shift it grows
 *     ~0.9 per value, so ~55 values (bound 120).
 *   CUSUM, k 0.5, h 12, warm-up 500: in-control ARL ~ 5e5 (Siegmund's
 *     approximation, two-sided), so no alarm in 500 values per run;
 *     out-of-control ARL ~ 24 (bound 60).  The textbook h = 5 has an
 *     in-control ARL of ~470 and is only reported.
 *   In-control alarm counts are bounded over 50 x 2000 unchanged values
 *   (ADWIN, measured: ~6 per 1e6 values with delta 0.002).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"
#include "tap.h"
#include "util.h"

#define RUNS 50
#define CHANGE 1000
#define LEN 2000

struct outcome {
	int false_alarms;	/* runs with an alarm before CHANGE */
	int missed;		/* runs without an alarm after CHANGE */
	long max_delay;
	double mean_delay;
};

static struct outcome
simulate(const struct bp_detect_params *p, double shift)
{
	struct outcome o = { 0, 0, 0, 0 };
	long found = 0;

	for (int run = 0; run < RUNS; run++) {
		struct bp_rng rng;
		struct bp_detector *d = bp_detector_new(p);
		int fa = 0;
		long delay = -1;

		bp_rng_seed(&rng, 1000 + run);
		for (long i = 0; i < LEN; i++) {
			double x = bp_rng_normal(&rng) + (i >= CHANGE ? shift
								      : 0);

			if (bp_detector_update(d, x, NULL)) {
				if (i < CHANGE)
					fa = 1;
				else if (delay < 0)
					delay = i - CHANGE;
			}
		}
		o.false_alarms += fa;
		if (delay < 0) {
			o.missed++;
		} else {
			found++;
			o.mean_delay += delay;
			if (delay > o.max_delay)
				o.max_delay = delay;
		}
		bp_detector_free(&d);
	}
	if (found)
		o.mean_delay /= found;
	return o;
}

/* Alarms on RUNS unchanged streams of LEN values. */
static int
in_control_alarms(const struct bp_detect_params *p)
{
	int alarms = 0;

	for (int run = 0; run < RUNS; run++) {
		struct bp_rng rng;
		struct bp_detector *d = bp_detector_new(p);

		bp_rng_seed(&rng, 5000 + run);
		for (long i = 0; i < LEN; i++)
			alarms += bp_detector_update(d, bp_rng_normal(&rng),
						     NULL);
		bp_detector_free(&d);
	}
	return alarms;
}

static void
check(const char *name, const struct bp_detect_params *p, long bound,
      int max_in_control)
{
	struct outcome o = simulate(p, 1.0);
	int z = in_control_alarms(p);

	printf("# %s: %d/%d runs with a false alarm, delay mean %.1f max %ld"
	       ", %d missed; %d alarms in %d unchanged values\n", name,
	       o.false_alarms, RUNS, o.mean_delay, o.max_delay, o.missed, z,
	       RUNS * LEN);
	ok(o.false_alarms == 0, "%s: no alarm before the change in %d runs",
	   name, RUNS);
	ok(o.missed == 0, "%s: the change is found in every run", name);
	ok(o.max_delay <= bound, "%s: found within %ld rows (max %ld)", name,
	   bound, o.max_delay);
	ok(z <= max_in_control, "%s: at most %d alarms in %d unchanged values",
	   name, max_in_control, RUNS * LEN);
}

static void
defaults_report(void)
{
	struct bp_detect_params p;
	struct outcome o;

	/*
	 * default CUSUM (k 0.5, h 8, warm-up 200): ARL0 ~ 9500 with known
	 * parameters, less with estimated ones; and the textbook h = 5
	 * (ARL0 ~ 470).  Reported, not bounded.
	 */
	bp_detect_params_init(&p, BP_DETECT_CUSUM);
	o = simulate(&p, 1.0);
	printf("# cusum defaults (k 0.5, h 8, warm-up 200): %d/%d runs with "
	       "a false alarm in 800 values, delay mean %.1f; %d alarms in %d "
	       "unchanged values\n", o.false_alarms, RUNS, o.mean_delay,
	       in_control_alarms(&p), RUNS * LEN);
	p.threshold = 5;
	printf("# cusum h 5: %d alarms in %d unchanged values\n",
	       in_control_alarms(&p), RUNS * LEN);
	bp_detect_params_init(&p, BP_DETECT_PAGE_HINKLEY);
	printf("# page-hinkley defaults (delta 0.005, lambda 50): %d alarms "
	       "in %d unchanged N(0,1) values (scale lambda to the data)\n",
	       in_control_alarms(&p), RUNS * LEN);
	bp_detect_params_init(&p, BP_DETECT_ADWIN);
	o = simulate(&p, 0.5);
	printf("# adwin delta 0.002, half-sd shift: %d/%d false alarm runs, "
	       "delay mean %.1f max %ld, %d missed\n", o.false_alarms, RUNS,
	       o.mean_delay, o.max_delay, o.missed);
	ok(o.missed == 0 && o.max_delay <= 400,
	   "adwin: a half-sd shift is found within 400 rows in every run");
}

static void
adwin_memory(void)
{
	struct bp_detect_params p;
	struct bp_detector *d;
	struct bp_rng rng;
	int maxb = 0, okw = 1, alarms = 0;

	bp_detect_params_init(&p, BP_DETECT_ADWIN);
	d = bp_detector_new(&p);
	bp_rng_seed(&rng, 7);
	for (long i = 1; i <= 1000000; i++) {
		int b;

		alarms += bp_detector_update(d, bp_rng_normal(&rng), NULL);
		b = bp_detector_buckets(d);
		if (b > maxb)
			maxb = b;
		/* at most M + 1 buckets of each of log2(W) + 1 sizes */
		if (b > 6 * ((int)log2((double)bp_detector_width(d)) + 1))
			okw = 0;
	}
	printf("# adwin: %d alarms in 1e6 stationary values, width %llu at "
	       "the end, at most %d buckets\n", alarms,
	       (unsigned long long)bp_detector_width(d), maxb);
	ok(okw, "adwin: buckets stay within (M+1)(log2 W + 1)");
	ok(maxb <= 6 * 21, "adwin: at most %d buckets for 1e6 values", maxb);
	ok(alarms <= 12, "adwin: at most 12 alarms in 1e6 stationary values");
	bp_detector_free(&d);
}

static void
adwin_window(void)
{
	struct bp_detect_params p;
	struct bp_detector *d;
	struct bp_detect_event ev;
	struct bp_rng rng;
	int got = 0;

	bp_detect_params_init(&p, BP_DETECT_ADWIN);
	d = bp_detector_new(&p);
	bp_rng_seed(&rng, 11);
	for (long i = 0; i < 3000; i++) {
		double x = 0.1 * bp_rng_normal(&rng) + (i >= 2000 ? 1 : 0);

		if (bp_detector_update(d, x, &ev) && !got) {
			got = 1;
			ok(ev.up && ev.mean_before < 0.2 && ev.mean_after > 0.5,
			   "adwin: event reports an increase from ~0 (%.3f) "
			   "towards 1 (%.3f)", ev.mean_before, ev.mean_after);
		}
	}
	ok(got, "adwin: a 10-sd jump is found");
	/* after the cut only the new regime remains, about 1000 values */
	ok(bp_detector_width(d) <= 1100 && bp_detector_width(d) >= 900,
	   "adwin: the window shrank to the new regime (%llu)",
	   (unsigned long long)bp_detector_width(d));
	bp_detector_free(&d);
}

static void
hand_cases(void)
{
	struct bp_detect_params p;
	struct bp_detector *d;
	struct bp_detect_event ev;
	int hit = 0, at = -1;

	/*
	 * CUSUM by hand: warm-up {0, 2} gives mu0 = 1, sd0 = sqrt(2); then
	 * x = 1 + 2 sqrt(2) is z = 2 each time: S+ = 1.5, 3, 4.5 with k 0.5,
	 * crossing h = 4 on the third value.
	 */
	bp_detect_params_init(&p, BP_DETECT_CUSUM);
	p.warmup = 2;
	p.threshold = 4;
	d = bp_detector_new(&p);
	bp_detector_update(d, 0, NULL);
	bp_detector_update(d, 2, NULL);
	for (int i = 0; i < 3 && !hit; i++) {
		hit = bp_detector_update(d, 1 + 2 * sqrt(2.0), &ev);
		at = i;
	}
	ok(hit && at == 2, "cusum: alarm on the third value, as by hand");
	is_close(ev.stat, 4.5, 1e-12, "cusum: S+ = 4.5");
	is_close(ev.mean_before, 1, 1e-15, "cusum: mu0 = 1");
	ok(ev.up, "cusum: an increase");
	bp_detector_free(&d);

	/*
	 * Page-Hinkley by hand with alpha 1, delta 0, lambda 1: 30 zeros,
	 * then 2: mean = 2/31, U = 2 - 2/31 = 1.935 > 1 on value 31.
	 */
	bp_detect_params_init(&p, BP_DETECT_PAGE_HINKLEY);
	p.alpha = 1;
	p.delta = 0;
	p.lambda = 1;
	d = bp_detector_new(&p);
	hit = 0;
	for (int i = 0; i < 30; i++)
		hit |= bp_detector_update(d, 0, NULL);
	ok(!hit, "page-hinkley: no alarm on a flat stream");
	hit = bp_detector_update(d, 2, &ev);
	ok(hit && ev.n == 31 && ev.up, "page-hinkley: alarm on value 31");
	is_close(ev.stat, 2 - 2.0 / 31, 1e-12, "page-hinkley: U - min U");
	bp_detector_free(&d);
}

int
main(void)
{
	struct bp_detect_params p;

	bp_detect_params_init(&p, BP_DETECT_ADWIN);
	check("adwin (delta 0.002)", &p, 200, 2);
	bp_detect_params_init(&p, BP_DETECT_PAGE_HINKLEY);
	p.delta = 0.1;
	p.lambda = 50;
	check("page-hinkley (delta 0.1, lambda 50)", &p, 120, 2);
	bp_detect_params_init(&p, BP_DETECT_CUSUM);
	p.threshold = 12;
	p.warmup = 500;
	check("cusum (k 0.5, h 12, warm-up 500)", &p, 60, 2);
	defaults_report();
	adwin_memory();
	adwin_window();
	hand_cases();
	return done_testing();
}
