/* cli: usage errors, --help, --version, checked option values, progress. */
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fmt.h"
#include "ts.h"

static const char *cli_usage = "";
static const char *cli_help = "";

void
bp_cli_init(const char *argv0, const char *usage_line, const char *help)
{
	bp_setprogname(argv0);
	cli_usage = usage_line;
	cli_help = help;
}

void
bp_cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	bp_verror(fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s\nTry '%s --help'.\n", cli_usage, bp_progname());
	exit(BP_EXIT_USAGE);
}

void
bp_cli_help(void)
{
	printf("%s\n%s", cli_usage, cli_help);
	exit(bp_close_stdout() < 0 ? BP_EXIT_FAIL : BP_EXIT_OK);
}

void
bp_cli_version(void)
{
	printf("%s %s\n", bp_progname(), BP_VERSION);
	exit(bp_close_stdout() < 0 ? BP_EXIT_FAIL : BP_EXIT_OK);
}

long
bp_parse_long(const char *arg, long min, long max, const char *opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (!*arg || *end || errno || v < min || v > max)
		bp_cli_usage_error("%s: '%s' is not an integer in [%ld, %ld]",
				   opt, arg, min, max);
	return v;
}

double
bp_parse_real(const char *arg, double min, double max, const char *opt)
{
	double v;
	char a[BP_FMT_BUFSZ], b[BP_FMT_BUFSZ];

	if (bp_parse_double(arg, strlen(arg), &v) < 0 || !isfinite(v) ||
	    v < min || v > max) {
		bp_fmt_double(a, min);
		bp_fmt_double(b, max);
		bp_cli_usage_error("%s: '%s' is not a number in [%s, %s]", opt,
				   arg, a, b);
	}
	return v;
}

int64_t
bp_parse_duration_opt(const char *arg, const char *opt)
{
	int64_t ms;

	if (bp_ts_parse_duration(arg, &ms) < 0)
		bp_cli_usage_error("%s: '%s' is not a duration (e.g. 15m, 1h, "
				   "1d, 30d)", opt, arg);
	return ms;
}

int64_t
bp_parse_ts_opt(const char *arg, const char *opt)
{
	int64_t ms;
	double v;

	if (bp_ts_parse(arg, strlen(arg), &ms) == 0)
		return ms;
	if (bp_parse_double(arg, strlen(arg), &v) == 0 &&
	    bp_ts_from_epoch(v, &ms) == 0)
		return ms;
	bp_cli_usage_error("%s: '%s' is not a time (YYYY-MM-DD, "
			   "YYYY-MM-DDTHH:MM:SSZ or epoch seconds)", opt, arg);
}

int
bp_parse_choice(const char *arg, const char *const *choices, const char *opt)
{
	char list[512] = "";

	for (int i = 0; choices[i]; i++)
		if (strcmp(arg, choices[i]) == 0)
			return i;
	for (int i = 0; choices[i]; i++) {
		if (i)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, choices[i], sizeof(list) - strlen(list) - 1);
	}
	bp_cli_usage_error("%s: '%s' is not one of %s", opt, arg, list);
}

void
bp_progress_init(struct bp_progress *p)
{
	memset(p, 0, sizeof(*p));
	p->enabled = isatty(STDERR_FILENO) || bp_verbosity >= 2;
	if (bp_verbosity < 1)
		p->enabled = 0;
	p->start = p->last = bp_now();
}

static void
progress_print(struct bp_progress *p, double now, const char *end)
{
	double el = now - p->start, rate = el > 0 ? (double)p->rows / el : 0;

	if (p->total && rate > 0 && p->rows < p->total)
		fprintf(stderr, "\r%s: %llu/%llu rows, %.2fM rows/s, "
			"ETA %.0fs%s",
			bp_progname(), (unsigned long long)p->rows,
			(unsigned long long)p->total, rate / 1e6,
			(double)(p->total - p->rows) / rate, end);
	else
		fprintf(stderr, "\r%s: %llu rows, %.2fM rows/s%s",
			bp_progname(), (unsigned long long)p->rows,
			rate / 1e6, end);
}

void
bp_progress_tick_slow(struct bp_progress *p)
{
	double now = bp_now();

	if (now - p->last < 0.5)
		return;
	p->last = now;
	progress_print(p, now, isatty(STDERR_FILENO) ? "\033[K" : "\n");
}

void
bp_progress_done(struct bp_progress *p)
{
	if (!p->enabled)
		return;
	progress_print(p, bp_now(), isatty(STDERR_FILENO) ? "\033[K\n" : "\n");
}
