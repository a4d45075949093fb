/*
 * stream-gen: streams for the stream benchmarks.
 *
 *	stream-gen bars N SEED [plain]   N seeded hourly BTCUSDT-like bars
 *	stream-gen features [plain]      bars on stdin, 20 indicator
 *	                                 columns appended (a feature stage)
 *
 * Rows go to stdout through the stream writer, zstd unless "plain".
 * Prices are a geometric random walk in cents, volumes have three
 * decimals; the indicators are full-precision doubles as a real feature
 * stage prints them: moving averages, returns, volatility, RSI, z-scores.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"
#include "util.h"

struct feat {
	long i;
	double ema[4], ema2, up, down, prev[24];
};

static const double alpha[4] = { 2.0 / 13, 2.0 / 27, 2.0 / 51, 2.0 / 201 };
static const char *const ema_key[4] = { "ema_12", "ema_26", "ema_50",
					"ema_200" };
static const char *const dev_key[4] = { "close_ema_12", "close_ema_26",
					"close_ema_50", "close_ema_200" };
static const char *const ret_key[5] = { "ret_1", "ret_2", "ret_4", "ret_8",
					"ret_16" };

static double
cents(double x)
{
	return round(x * 100) / 100;
}

/* Append the 20 feature columns for one bar. */
static void
put_features(struct bp_writer *w, struct feat *s, int64_t hour, double open,
	     double high, double low, double close, double vol)
{
	double ret = close / open - 1;
	int lag = 1;

	memmove(s->prev + 1, s->prev, 23 * sizeof(s->prev[0]));
	s->prev[0] = close;
	for (int k = 0; k < 4; k++) {
		s->ema[k] = s->i ? s->ema[k] + alpha[k] * (close - s->ema[k])
				 : close;
		bp_writer_num(w, ema_key[k], s->ema[k]);
	}
	for (int k = 0; k < 4; k++)
		bp_writer_num(w, dev_key[k], close / s->ema[k] - 1);
	for (int k = 0; k < 5; k++, lag *= 2)
		bp_writer_num(w, ret_key[k], s->i >= lag ?
			      log(close / s->prev[lag]) : NAN);
	s->ema2 += 0.05 * (ret * ret - s->ema2);
	bp_writer_num(w, "vol_20", sqrt(s->ema2));
	bp_writer_num(w, "vol_20_ann", sqrt(s->ema2 * 24 * 365));
	s->up += (fmax(ret, 0) - s->up) / 14;
	s->down += (fmax(-ret, 0) - s->down) / 14;
	bp_writer_num(w, "rsi_14", s->up + s->down > 0 ?
		      100 * s->up / (s->up + s->down) : 50);
	bp_writer_num(w, "zscore_ret", s->ema2 > 0 ? ret / sqrt(s->ema2) : 0);
	bp_writer_num(w, "range_pct", (high - low) / close);
	bp_writer_num(w, "body_pct", (close - open) / open);
	bp_writer_num(w, "log_volume", log1p(vol));
	bp_writer_int(w, "hour", hour);
	bp_writer_num(w, "label_up", s->i % 3 == 0);
	s->i++;
}

static int
gen_bars(struct bp_writer *w, long n, uint64_t seed)
{
	struct bp_rng r;
	int64_t ts = 1577836800000LL;	/* 2020-01-01T00:00:00Z */
	double close = 7200;

	bp_rng_seed(&r, seed);
	for (long i = 0; i < n; i++, ts += 3600000) {
		double open = close, high, low, vol;

		close = fmax(0.01, cents(open * exp(0.01 * bp_rng_normal(&r))));
		high = cents(fmax(open, close) *
			     (1 + 0.003 * fabs(bp_rng_normal(&r))));
		low = cents(fmin(open, close) *
			    (1 - 0.003 * fabs(bp_rng_normal(&r))));
		vol = round(exp(5 + bp_rng_normal(&r)) * 1000) / 1000;
		bp_writer_begin(w);
		bp_writer_ts(w, "ts", ts);
		bp_writer_str(w, "symbol", "BTCUSDT");
		bp_writer_num(w, "open", open);
		bp_writer_num(w, "high", high);
		bp_writer_num(w, "low", low);
		bp_writer_num(w, "close", close);
		bp_writer_num(w, "volume", vol);
		if (bp_writer_end(w) < 0)
			return -1;
	}
	return 0;
}

static int
add_features(struct bp_writer *w)
{
	static const char *const keys[5] = { "open", "high", "low", "close",
					     "volume" };
	struct bp_reader *in = bp_reader_open(NULL);
	struct bp_row row = BP_ROW_INIT;
	struct feat s;
	int hint[5] = { -1, -1, -1, -1, -1 }, rc;
	double v[5];

	memset(&s, 0, sizeof(s));
	while ((rc = bp_reader_next(in, &row)) > 0) {
		for (int k = 0; k < 5; k++) {
			if (bp_row_num(&row, keys[k], &hint[k], &v[k]) != 0) {
				rc = bp_error("<stdin>:%ld: '%s' is not a "
					      "number", row.lineno, keys[k]);
				goto out;
			}
		}
		bp_writer_begin(w);
		bp_writer_copy_row(w, &row);
		put_features(w, &s, row.lineno % 24, v[0], v[1], v[2], v[3],
			     v[4]);
		if ((rc = bp_writer_end(w)) < 0)
			goto out;
	}
out:
	bp_row_release(&row);
	bp_reader_free(&in);
	return rc;
}

int
main(int argc, char **argv)
{
	struct bp_writer *w;
	int bars, plain, rc;

	bp_setprogname(argv[0]);
	bars = argc >= 4 && strcmp(argv[1], "bars") == 0;
	if (!bars && (argc < 2 || strcmp(argv[1], "features") != 0)) {
		fprintf(stderr, "usage: stream-gen bars N SEED [plain]\n"
				"       stream-gen features [plain] < bars\n");
		return 2;
	}
	plain = strcmp(argv[argc - 1], "plain") == 0;
	w = bp_writer_open(NULL, plain ? BP_WRITER_PLAIN : 0);
	if (!w)
		return 1;
	if (bars)
		rc = gen_bars(w, strtol(argv[2], NULL, 10),
			      strtoull(argv[3], NULL, 10));
	else
		rc = add_features(w);
	if (rc < 0) {
		bp_writer_abort(&w);
		return 1;
	}
	return bp_writer_close(&w) < 0 || bp_close_stdout() < 0;
}
