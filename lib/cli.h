/*
 * cli: the conventions every bp-* tool keeps on its command line.
 *
 * A tool sets its usage line and help text once, then uses these helpers:
 * a usage error prints one line, the usage line and "Try 'bp-x --help'." on
 * stderr and exits 2; --help prints to stdout and exits 0; --version prints
 * "bp-x VERSION"; numeric option values are range-checked and name the
 * option when they are not acceptable.  These helpers exit: bin/ only.
 */
#ifndef BP_CLI_H
#define BP_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "util.h"

/*
 * Register the tool's usage line ("usage: bp-x [-q | -v] ...") and its help
 * text (the option lines that follow the usage line in --help; it should end
 * with "See bp-x(1).").
 */
void bp_cli_init(const char *argv0, const char *usage_line, const char *help);

BP_NORETURN void bp_cli_usage_error(const char *fmt, ...) BP_PRINTF(1, 2);
BP_NORETURN void bp_cli_help(void);
BP_NORETURN void bp_cli_version(void);

/*
 * Range-checked parsers: on a bad value they print e.g.
 * "bp-x: --window: '0' is not an integer in [1, 100000]" and exit 2.
 */
long bp_parse_long(const char *arg, long min, long max, const char *opt);
double bp_parse_real(const char *arg, double min, double max, const char *opt);
/* Duration ("1h", "30d"...) in ms, > 0. */
int64_t bp_parse_duration_opt(const char *arg, const char *opt);
/* Timestamp (bp_ts_parse forms, or an epoch number) in ms. */
int64_t bp_parse_ts_opt(const char *arg, const char *opt);
/* Index of arg in the NULL-terminated list choices, else usage error. */
int bp_parse_choice(const char *arg, const char *const *choices,
		    const char *opt);

/*
 * Progress on stderr, only when stderr is a terminal (or verbosity >= 2):
 * "bp-x: 1234567 rows, 1.2M rows/s".  Call tick for every row; it looks at
 * the clock once per 64k rows.  done prints the last line.
 */
struct bp_progress {
	int enabled;
	uint64_t rows;
	double start, last;
	uint64_t total;	/* 0 when unknown; with it, an ETA is shown */
};
void bp_progress_init(struct bp_progress *p);
void bp_progress_tick_slow(struct bp_progress *p);
static inline void
bp_progress_tick(struct bp_progress *p)
{
	if ((++p->rows & 0xffff) == 0 && p->enabled)
		bp_progress_tick_slow(p);
}
void bp_progress_done(struct bp_progress *p);

#endif
