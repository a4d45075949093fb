/*
 * detect: streaming change detectors, in constant memory per series.
 *
 *   ADWIN         Bifet & Gavalda, "Learning from time-changing data with
 *                 adaptive windowing", SDM 2007 (ADWIN2): the window is an
 *                 exponential histogram of buckets of 2^i values, at most
 *                 M per size (O(M log W) memory); every `clock` values
 *                 each split of the window into an older W0 and a newer
 *                 W1 at a bucket boundary is tested, and the oldest
 *                 bucket dropped while |mean0 - mean1| > eps_cut with
 *                   m = 1/(n0 - 5 + 1) + 1/(n1 - 5 + 1),
 *                   d' = ln(2 ln(W) / delta),
 *                   eps_cut = sqrt(2 m var_W d') + 2/3 m d'
 *                 (var_W the window's variance; the form used by MOA and
 *                 river).  delta: confidence, default 0.002.
 *   Page-Hinkley  Page 1954, Hinkley 1971, two-sided with a fading sum:
 *                   mean_t = mean of the values since the last reset,
 *                   U_t = alpha U_{t-1} + (x_t - mean_t - delta)
 *                   L_t = alpha L_{t-1} + (x_t - mean_t + delta)
 *                 alarm when U_t - min U > lambda (an increase) or
 *                 max L - L_t > lambda (a decrease), after at least 30
 *                 values; then everything resets.  Defaults delta 0.005,
 *                 lambda 50, alpha 0.9999 (river's), in the column's units.
 *   CUSUM         Page's tabular CUSUM on values standardised by the mean
 *                 and sd of the first `warmup` values (default 200):
 *                   z = (x - mu0) / sd0,
 *                   S+ = max(0, S+ + z - k),  S- = max(0, S- - z - k)
 *                 alarm when S+ or S- exceeds h; then a new warm-up.
 *                 k (--delta) 0.5 and h (--threshold) 8, in sd units
 *                 (in-control ARL ~ 9500 values for independent normal
 *                 values with known mean and sd; the textbook h = 5
 *                 gives ~470).
 */
#ifndef BP_DETECT_H
#define BP_DETECT_H

#include <stdint.h>

#include "stream.h"

enum bp_detect_method {
	BP_DETECT_ADWIN = 0,
	BP_DETECT_PAGE_HINKLEY,
	BP_DETECT_CUSUM,
};

/* "adwin", "page-hinkley", "cusum". */
const char *bp_detect_method_name(enum bp_detect_method m);

struct bp_detect_params {
	enum bp_detect_method method;
	double delta;		/* NaN: the method's default */
	double lambda;		/* Page-Hinkley threshold */
	double alpha;		/* Page-Hinkley fading factor */
	double threshold;	/* CUSUM h */
	long warmup;		/* CUSUM warm-up values; 0: default */
	int clock;		/* ADWIN: test every clock values (32) */
	int max_buckets;	/* ADWIN: M, buckets per size (5) */
};

/* Every field at its default (NaN / 0 meaning "the method's"). */
void bp_detect_params_init(struct bp_detect_params *p,
			   enum bp_detect_method m);

/* What a detector saw when it raised an alarm. */
struct bp_detect_event {
	uint64_t n;		/* values seen by this detector (1-based) */
	double stat;		/* the statistic that crossed */
	double bound;		/* the bound it crossed */
	double mean_before;	/* level before the change: ADWIN the older
				   sub-window W0 at the split that cut,
				   Page-Hinkley the mean since the last
				   reset, CUSUM the warm-up mean */
	double mean_after;	/* ADWIN: the newer sub-window W1; else NaN */
	double width;		/* ADWIN: the window after the cut */
	int up;			/* 1 for an increase, 0 a decrease */
};

struct bp_detector;

struct bp_detector *bp_detector_new(const struct bp_detect_params *p);
void bp_detector_free(struct bp_detector **d);

/*
 * Feed one value (not NaN).  Returns 1 and fills ev (may be NULL) when a
 * change is detected at this value, else 0.
 */
int bp_detector_update(struct bp_detector *d, double x,
		       struct bp_detect_event *ev);

/* ADWIN only: the current window width and bucket count. */
uint64_t bp_detector_width(const struct bp_detector *d);
int bp_detector_buckets(const struct bp_detector *d);

/* Run a detector per symbol over a stream. */
struct bp_detect_opts {
	struct bp_detect_params params;
	const char *column;
	int annotate;		/* pass every row, adding drift_<column> */
};

/*
 * Read r, feed column of every row to its symbol's detector and write to
 * w either one row per detection (ts, symbol, column, value, method and
 * the event's figures) or, with annotate, every row with a boolean
 * drift_<column>.  Rows where the column is null are skipped by the
 * detector.  Returns the number of detections, or -1 after reporting.
 */
long bp_detect_stream(const struct bp_detect_opts *o, struct bp_reader *r,
		      struct bp_writer *w);

#endif
